# Trust a host key found by ssh-keyscan, pinned by its fingerprint (from pillar).
127.0.0.1:
  ssh_known_hosts.present:
    - user: root
    - port: {{ pillar['ssh_port'] }}
    - enc: ssh-ed25519
    - fingerprint: {{ pillar['fingerprint'] }}
    - hash_known_hosts: False
