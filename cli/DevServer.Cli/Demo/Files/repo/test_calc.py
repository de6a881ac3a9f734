"""Tests of calc. test_multiply fails until calc.multiply exists."""
import unittest

import calc


class CalcTests(unittest.TestCase):
    """The calculator's behaviour."""

    def test_add(self):
        self.assertEqual(calc.add(2, 3), 5)

    def test_subtract(self):
        self.assertEqual(calc.subtract(2, 3), -1)

    def test_multiply(self):
        self.assertEqual(calc.multiply(4, 5), 20)
        self.assertEqual(calc.multiply(-2, 3), -6)
        self.assertEqual(calc.multiply(0, 7), 0)


if __name__ == "__main__":
    unittest.main()
