base:
  'web*':
    - web
  '*':
    - common
