app:
  motd: |
    Welcome to {{ grains['fqdn'] }}
    Managed by salt
  key: secret-value
