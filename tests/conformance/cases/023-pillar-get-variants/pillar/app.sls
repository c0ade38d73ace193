top_level: 3.5
app:
  db:
    host: db.example.com
    port: 5432
    opts: {ssl: true}
  servers: [alpha, beta, gamma]
  flags:
    enabled: yes
    count: 007
    ratio: 1.50
    empty: ~
