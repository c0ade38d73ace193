base:
  '*':
    - kv
