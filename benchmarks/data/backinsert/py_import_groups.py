import os
import sys

import numpy as np


def load(path):
    """Parse a JSON file."""
    with open(path) as f:
        data = json.load(f)
