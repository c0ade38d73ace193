svc:
  name: demo
  enabled: true
  ports: [80, 443]
