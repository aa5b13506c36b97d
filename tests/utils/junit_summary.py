"""Print one closing line for `make test` from the JUnit reports ansible-test wrote.

The line reads 'units: N passed, N failed, N skipped', so that whoever reads the end of a
CI log sees how many tests ran without scrolling back through every runner's output.
"""

import glob
import sys
from xml.etree import ElementTree


def main(directory):
    total = failed = skipped = 0
    for path in glob.glob("%s/*.xml" % directory):
        root = ElementTree.parse(path).getroot()
        suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
        for suite in suites:
            total += int(suite.get("tests", 0))
            failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skipped += int(suite.get("skipped", 0))
    if total == 0:
        print("units: no test ran (no JUnit report in %s)" % directory, file=sys.stderr)
        return 1
    print("units: %d passed, %d failed, %d skipped" % (total - failed - skipped, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
