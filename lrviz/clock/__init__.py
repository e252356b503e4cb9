"""Time as schedules see it: grids of steps on a part's own clock, the one join that hands them
to the parts of a sequence, the marks of where phases begin, and fast evaluation over grids."""
