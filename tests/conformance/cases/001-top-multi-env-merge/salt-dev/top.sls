dev:
  '*':
    - devextra
base:
  'web1':
    - fromdevtop
