"""Stand-in for the pip bootstrap script that ansible-test downloads into its cache.

ansible-test fetches ``get-pip-VERSION.py`` from a host this project's machines cannot reach
(only PyPI is reachable), and says the script may be saved to its cache by hand instead. This is
what ``make sanity`` saves there: it installs pip from the Python standard library (ensurepip),
then the exact packages ansible-test asked for (``pip==VERSION``...) from PyPI.
"""

import subprocess
import sys


def main():
    wanted = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], stdout=subprocess.DEVNULL)
    subprocess.check_call([sys.executable, "-m", "pip", "install"] + wanted)


if __name__ == "__main__":
    main()
