"""The fixed words of explanations and pay statements, in English and Chinese: one vocabulary.

Everything a renderer prints that is not the plan's own text, a label or a data value
comes from here, so a Chinese explanation has no English word in it (the test
tests/test_explain_wording.py checks that) and both languages have every key.
"""
from __future__ import annotations

WORDS = {
    "en": {
        "total": "total", "payee": "payee", "plan": "plan", "period": "period", "flags": "flags",
        "rows": "rows", "row": "row", "column": "column", "of": "of", "matched": "matched",
        "passed": "passed", "failed": "not met: line is 0", "rounding": "rounding",
        "cap": "cap", "floor": "floor", "total_cap": "total cap", "total_floor": "total floor",
        "adjustment": "adjustment", "took": "took", "then": "then", "else": "else", "table": "table",
        "line": "line", "value": "value", "band": "band", "no_rows": "no rows", "computed": "computed", "withheld": "withheld by the gate",
        "held": "held", "released": "released", "scaled": "scaled at release", "forfeited": "forfeited", "clawed_back": "clawed back",
        "returned": "returned", "recovered": "recovered", "draw_paid": "draw paid", "draw_recovered": "draw recovered",
        "carried": "carried as owed", "carry_recovered": "carried pay recovered", "balances": "balances carried forward", "pools": "pools split and funds kept",
        "earned": "earned", "paid": "paid", "opening": "opening", "closing": "closing", "from": "from", "in": "in",
        "previous": "previous period", "history": "periods read", "default": "no earlier period: the default", "line_of": "the line",
        "above": "see above", "members": "members", "member": "member",
        "holds": "holds", "fails": "does not hold", "true": "true", "false": "false", "when": "when",
        "excluded": "excluded", "because": "where", "not_met": "not met",
        "paren": "  ({})", "sep": "; ", "other_period": "derived in: plan explain --period {period}", "named_row": "{name} ({place})",
        "pool": "pool, not paid", "fund": "fund, not paid", "unallocated": "goes back, not paid", "share": "share", "award": "award",

    },
    "zh": {
        "total": "合计", "payee": "人员", "plan": "方案", "period": "期间", "flags": "标记",
        "rows": "行", "row": "行", "column": "列", "of": "/", "matched": "符合",
        "passed": "满足", "failed": "不满足：本项为 0", "rounding": "舍入",
        "cap": "封顶", "floor": "保底", "total_cap": "总额封顶", "total_floor": "总额保底",
        "adjustment": "调整", "took": "取", "then": "条件成立分支", "else": "条件不成立分支", "table": "表",
        "line": "项目", "value": "金额", "band": "档", "no_rows": "无数据行", "computed": "计算列", "withheld": "因条件未满足而未发放",
        "held": "暂扣", "released": "发放暂扣", "scaled": "按系数调整", "forfeited": "没收", "clawed_back": "追回应扣",
        "returned": "退还", "recovered": "扣回", "draw_paid": "保底补足", "draw_recovered": "保底扣回",
        "carried": "结转欠款", "carry_recovered": "扣回结转欠款", "balances": "结转余额", "pools": "分配的奖池与基金",
        "earned": "应得", "paid": "实发", "opening": "期初", "closing": "期末", "from": "来自", "in": "于",
        "previous": "上期", "history": "读取期间", "default": "无更早期间：取默认值", "line_of": "项目",
        "above": "见上", "members": "成员", "member": "成员",
        "holds": "成立", "fails": "不成立", "true": "是", "false": "否", "when": "条件",
        "excluded": "排除", "because": "条件", "not_met": "不满足",
        "paren": "（{}）", "sep": "；", "other_period": "推导见 plan explain --period {period}", "named_row": "{name}（{place}）",
        "pool": "奖金池，不发放", "fund": "基金，不发放", "unallocated": "退回，不发放", "share": "分配", "award": "排名奖励",

    },
}

# The words of pay statements (dsl/statement): headings, then one-sentence templates; each key's
# English and Chinese side by side, added to WORDS so statements and explanations share one vocabulary.
_STATEMENT_WORDS = {
    "statement": ("pay statement", "薪酬对账单"),
    "paid_total": ("total paid", "实发合计"),
    "explanation": ("explanation", "说明"),
    "figures": ("figures used", "用到的数值"),
    "credited": ("rows credited", "计入的数据行"),
    "progress": ("attainment", "达成与下一档"),
    "notes": ("caps, gates, holds and rounding", "封顶、条件、暂扣与舍入"),
    "statements": ("pay statements", "薪酬对账单"),
    "periods_total": ("total over the periods", "各期合计"),
    "by_period": ("each period", "各期"),
    "name": ("name", "名称"),
    "input": ("input", "数据"),
    "st_calc": ("{formula}: {calc} = {value}", "{formula}：{calc} = {value}"),
    "st_marginal": ("marginal rates: of {amount}, {parts} = {value}", "按超额累进计算，{amount} 中 {parts} = {value}"),
    "st_whole": ("whole-amount rate: {amount} reaches band {band}, {amount} × {rate} = {value}", "按全额计算，{amount} 达到 {band} 档：{amount} × {rate} = {value}"),
    "st_next": ("{table}: {amount} is in band {band} ({rate}); {distance} short of the next band ({next}, {next_rate})", "{table}：{amount} 在 {band} 档（{rate}），距下一档（{next} {next_rate}）还差 {distance}"),
    "st_top": ("{table}: {amount} is in the top band {band} ({rate})", "{table}：{amount} 已在最高档 {band}（{rate}）"),
    "st_cap": ("capped at {limit}: {excess} above it is not paid", "封顶 {limit}：超出部分 {excess} 未发放"),
    "st_floor": ("floor of {limit}: {excess} added to reach it", "保底 {limit}：补足 {excess}"),
    "st_total_cap": ("total capped at {limit}: {excess} above it is not paid", "总额封顶 {limit}：超出部分 {excess} 未发放"),
    "st_total_floor": ("total floor of {limit}: {excess} added to reach it", "总额保底 {limit}：补足 {excess}"),
    "st_gate_met": ("condition {condition} is met, so {value} is paid", "条件 {condition} 满足：本项 {value} 发放"),
    "st_gate_failed": ("condition {condition} is not met, so {value} is not paid", "条件 {condition} 不满足：本项 {value} 未发放"),
    "st_held": ("held back this period: {formula} = {calc} = {value}; held balance {balance}", "本期暂扣：{formula} = {calc} = {value}，暂扣余额 {balance}"),
    "st_released": ("released from what was held in {sources}", "发放此前暂扣的款项（{sources}）"),
    "st_scaled": ("scaled at release by {factor}: {value}", "发放时按系数 {factor} 调整：{value}"),
    "st_posting": ("{kind}: {value}", "{kind}：{value}"),
    "st_rounding": ("rounded {before} → {after}", "舍入 {before} → {after}"),
    "st_balance": ("{account}: opening {opening}, closing {closing}", "{account}：期初 {opening}，期末 {closing}"),
    "st_pool": ("{label} ({kind}) {value}: {parts}", "{label}（{kind}）{value}：{parts}"),
}
for _lang, _side in (("en", 0), ("zh", 1)):
    WORDS[_lang].update({key: words[_side] for key, words in _STATEMENT_WORDS.items()})

# the period a plan without dated periods runs over, by its unit (`period quarter`), and the rounding modes
PERIOD_WORDS = {
    "en": {"run": "run", "month": "month", "quarter": "quarter", "half_year": "half year", "year": "year", "week": "week", "day": "day"},
    "zh": {"run": "全期", "month": "月", "quarter": "季度", "half_year": "半年", "year": "年", "week": "周", "day": "日"},
}
ROUNDING_WORDS = {
    "en": {"half_up": "half up", "half_even": "half even", "half_down": "half down", "down": "down", "up": "up",
           "floor": "floor", "ceiling": "ceiling"},
    "zh": {"half_up": "四舍五入", "half_even": "银行家舍入(四舍六入五成双)", "half_down": "五舍六入", "down": "向零舍去",
           "up": "远离零进位", "floor": "向下取整", "ceiling": "向上取整"},
}

MODE_WORDS = {
    "en": {"marginal": "marginal: each band's rate on the part inside it", "whole": "whole: the band reached sets the rate for the whole amount", "lookup": "lookup"},
    "zh": {"marginal": "超额累进：各档比例只计档内部分", "whole": "全额：达到的档位比例适用于全部金额", "lookup": "查表"},
}
