base:
  '*':
    - script
