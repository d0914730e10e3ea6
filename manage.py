#!/usr/bin/env python
from civicdx.cli import main

if __name__ == "__main__":
    main()
