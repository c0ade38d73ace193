include:
  - nginx
