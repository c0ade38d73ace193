app:
  tier: frontend-01
  ports: [80, 443]
