"""Relapse & Retention Workbench.

Survival analysis of relapse and abstinence retention after release from compulsory isolation
drug rehabilitation, comparison of aftercare support, and standard evaluation reports.
"""

__version__ = "0.1.0"
