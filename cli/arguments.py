"""What the command-line tools take as arguments: values checked as the API checks them, refused without
repeating what was typed (it may be a name pasted into the wrong place)."""

import argparse
import re
from collections.abc import Callable


def matching(pattern: str, refusal: str, longest: int) -> Callable[[str], str]:
    """An argparse type taking a value only if it is at most `longest` long and matches `pattern`; else `refusal`."""

    def take(value: str) -> str:
        if len(value) > longest or not re.fullmatch(pattern, value):
            raise argparse.ArgumentTypeError(refusal)
        return value

    return take
