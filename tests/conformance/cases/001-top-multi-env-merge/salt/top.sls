base:
  '*':
    - common
dev:
  'web*':
    - devonly
  'db*':
    - nomatch
