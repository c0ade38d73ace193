# Inbound: loopback, established, ssh and the proxy; everything else dropped.
fw-loopback:
  iptables.append:
    - table: filter
    - chain: INPUT
    - in-interface: lo
    - jump: ACCEPT

fw-established:
  iptables.append:
    - table: filter
    - chain: INPUT
    - match: conntrack
    - ctstate: ESTABLISHED,RELATED
    - jump: ACCEPT

fw-ssh:
  iptables.append:
    - table: filter
    - chain: INPUT
    - proto: tcp
    - dport: 22
    - jump: ACCEPT

fw-http:
  iptables.append:
    - table: filter
    - chain: INPUT
    - proto: tcp
    - dport: 8080
    - jump: ACCEPT

fw-default-drop:
  iptables.set_policy:
    - table: filter
    - chain: INPUT
    - policy: DROP
    - require:
      - iptables: fw-loopback
      - iptables: fw-established
      - iptables: fw-ssh
      - iptables: fw-http
