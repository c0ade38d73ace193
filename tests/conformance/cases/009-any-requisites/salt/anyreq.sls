changed:
  test.succeed_with_changes: []
unchanged:
  test.succeed_without_changes: []
failed:
  test.fail_without_changes: []

require-any-ok:
  test.succeed_without_changes:
    - require_any:
      - test: failed
      - test: unchanged
require-any-bad:
  test.succeed_without_changes:
    - require_any:
      - test: failed
onchanges-any-ok:
  test.succeed_without_changes:
    - onchanges_any:
      - test: unchanged
      - test: changed
onchanges-any-none:
  test.succeed_without_changes:
    - onchanges_any:
      - test: unchanged
watch-any-runs:
  cmd.run:
    - name: echo watched
    - unless: 'true'
    - watch_any:
      - test: unchanged
      - test: changed
onfail-any:
  test.succeed_with_changes:
    - onfail_any:
      - test: failed
      - test: unchanged
onfail-any-none:
  test.succeed_with_changes:
    - onfail_any:
      - test: unchanged
