base:
  webs:
    - match: nodegroup
    - ng_webs
  dbs:
    - match: nodegroup
    - ng_dbs
  listgroup:
    - match: nodegroup
    - ng_list
  'N@dc1_api':
    - match: compound
    - ng_compound
  'N@nested and not G@os:RedHat':
    - match: compound
    - ng_nested
  'N@dbs or G@role:db':
    - match: compound
    - ng_none
