"""Print one closing line for `make test` from the JUnit reports in one folder.

The line reads 'tests: N passed, N failed, N skipped' and counts the unit tests and the
integration targets' tasks (ansible-test writes a JUnit report for both) and, when they ran, the
end-to-end cases (make e2e writes its pytest report, e2e.xml, into the same folder), so that
whoever reads the end of a CI log sees how much ran without scrolling back through every
runner's output.
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
        print("tests: no test ran (no JUnit report in %s)" % directory, file=sys.stderr)
        return 1
    print("tests: %d passed, %d failed, %d skipped" % (total - failed - skipped, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
