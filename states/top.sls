# Reference state tree. The `example` SLS is the quick-start demo: it writes only under
# the `rsalt_sandbox` prefix (a minion config option, empty on a real host).
base:
  '*':
    - example
