# A login user with an authorized key (the key comes from pillar).
alice:
  user.present:
    - shell: /bin/bash

alice-key:
  ssh_auth.present:
    - name: {{ pillar['alice_key'] }}
    - user: alice
    - require:
      - user: alice
