{{ 'x'|replace(nosuch, 'y') }}
