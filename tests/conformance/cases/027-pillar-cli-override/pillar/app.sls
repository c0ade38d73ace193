app:
  name: demo
  port: 80
  hosts: [a, b]
  tuning: {workers: 2, timeout: 30}
