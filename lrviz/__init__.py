"""lrviz: see a learning-rate schedule before you train with it.

>>> import lrviz
>>> lrviz.evaluate("cosine(0.1)", 5).round(4).tolist()
[0.1, 0.0905, 0.0655, 0.0345, 0.0095]
"""

from lrviz.errors import LrvizError, RunError, SpecError
from lrviz.parser import parse
from lrviz.run import Run, evaluate
from lrviz.spec import Spec

__version__ = "0.1.0"

__all__ = ["LrvizError", "Run", "RunError", "Spec", "SpecError", "__version__", "evaluate", "parse"]
