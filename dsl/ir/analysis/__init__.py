"""Analyses of the typed IR: facts about expressions that checks and rules ask for.

Each module answers one question and changes nothing:

- `intervals`: sets of values between bounds (band membership, union, gaps,
  cover, the values two bands share), used by the checker's overlap test and
  the lint band rules;
- `fold`: the value of constant arithmetic, typed by the checker;
- `bounds`: lower and upper limits of an expression's value (tier tables,
  min/max/clamp, constants), and the most a payout line can pay;
- `reads`: what an expression reads from the data, definitions followed.
"""
