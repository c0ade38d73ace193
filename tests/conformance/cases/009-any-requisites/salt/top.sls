base:
  '*':
    - anyreq
