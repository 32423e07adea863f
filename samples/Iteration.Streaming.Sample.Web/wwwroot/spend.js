// Spend against budget: the tokens a generation used (`usage`), what they cost (`cost`, with a price table on the
// server) and the budget it is held to (`budget`: max_output_tokens or max_total_tokens), as one line of text.

const number = (n) => Number(n).toLocaleString('en');

/** The budget's limit: which tokens it counts and how many are allowed; null without a budget. */
export function budgetLimit(budget) {
  if (Number.isFinite(budget?.max_output_tokens)) return { kind: 'output', allowed: budget.max_output_tokens };
  if (Number.isFinite(budget?.max_total_tokens)) return { kind: 'total', allowed: budget.max_total_tokens };
  return null;
}

/** A budget of the same kind as `budget` (output tokens when it had none) raised to `allowed`. */
export function raisedBudget(budget, allowed) {
  return budgetLimit(budget)?.kind === 'total' ? { max_total_tokens: allowed } : { max_output_tokens: allowed };
}

/**
 * "Spend: 1,234 of 2,000 output tokens (62%) · 0.0021 USD". `level`: 'high' from 80% of the budget, 'over' past it.
 * @param {{budget?: object, usage?: object, cost?: object} | null} spend
 */
export function describeSpend(spend) {
  const limit = budgetLimit(spend?.budget);
  const usage = spend?.usage;
  if (!limit && !usage) return { text: '', level: null };
  const output = usage?.output_tokens ?? 0;
  const total = usage?.total_tokens ?? (usage ? (usage.input_tokens ?? 0) + output : 0);
  const cost = spend?.cost && Number.isFinite(spend.cost.amount) ? ` · ${formatCost(spend.cost)}` : '';
  if (!limit) return { text: `Spend: ${number(output)} output tokens, ${number(total)} in all${cost}`, level: null };
  const used = limit.kind === 'output' ? output : total;
  const share = limit.allowed > 0 ? used / limit.allowed : 0;
  const level = share > 1 ? 'over' : share >= 0.8 ? 'high' : null;
  return {
    text: `Spend: ${number(used)} of ${number(limit.allowed)} ${limit.kind} tokens (${Math.round(share * 100)}%)${cost}`,
    level,
  };
}

/** "0.0021 USD": enough digits to show a demo run's fraction of a cent. */
export function formatCost({ amount, currency }) {
  const digits = amount !== 0 && Math.abs(amount) < 0.01 ? 4 : 2;
  return `${amount.toFixed(digits)} ${currency ?? ''}`.trim();
}
