using System.Globalization;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Hosting;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Budgets;

/// <summary>
/// The default <see cref="IBudgetPolicy"/>: a signed-in owner's start reserves its budget against
/// <c>Budgets:OwnerTokensPerDay</c> (per UTC day) and counts against <c>Budgets:OwnerConcurrentGenerations</c>, in the
/// store's <see cref="IBudgetLedger"/>; its end gives back what it did not spend. Anonymous starts are not limited
/// here (the queue and rate limiting bound them).
/// </summary>
public sealed class OwnerBudgetPolicy(IBudgetLedger ledger, IOptionsMonitor<IterationStreamingOptions> options) : IBudgetPolicy
{
    /// <inheritdoc/>
    public async ValueTask AdmitAsync(BudgetRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var budgets = options.CurrentValue.Budgets;
        if (request.UserId is not { Length: > 0 } userId || (budgets.OwnerTokensPerDay is null && budgets.OwnerConcurrentGenerations is null))
        {
            return;
        }

        var day = DateOnly.FromDateTime(request.At.UtcDateTime);
        var result = await ledger.TryReserveAsync(
            new BudgetReservation
            {
                UserId = userId,
                GenerationId = request.GenerationId,
                Tokens = request.ReservedTokens,
                Day = day,
                TokensPerDay = budgets.OwnerTokensPerDay,
                ConcurrentGenerations = budgets.OwnerConcurrentGenerations,
                At = request.At,
            },
            cancellationToken).ConfigureAwait(false);
        if (result.Reserved)
        {
            return;
        }

        if (result.RefusedBy == GenerationBudgetExceededException.ConcurrentGenerations)
        {
            var most = budgets.OwnerConcurrentGenerations ?? 0;
            throw new GenerationBudgetExceededException(
                string.Create(CultureInfo.InvariantCulture, $"You have {result.Unfinished} generations unfinished, the most allowed at once ({most}): wait for one to end, or cancel one."),
                GenerationBudgetExceededException.ConcurrentGenerations,
                most,
                result.Unfinished,
                resetsAt: null);
        }

        var allowance = budgets.OwnerTokensPerDay ?? 0;
        var resetsAt = new DateTimeOffset(day.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        throw new GenerationBudgetExceededException(
            string.Create(CultureInfo.InvariantCulture, $"The daily allowance of {allowance:N0} tokens would be passed: {result.TokensUsed:N0} are spent or reserved today and this generation reserves {request.ReservedTokens:N0}. It resets at {resetsAt:yyyy-MM-dd HH:mm} UTC."),
            GenerationBudgetExceededException.TokensPerDay,
            allowance,
            result.TokensUsed,
            resetsAt);
    }

    /// <inheritdoc/>
    public ValueTask SettleAsync(BudgetSettlement settlement, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settlement);

        // Without limits nothing was reserved: no write per ended generation (a reservation made before the limits were
        // taken away stays until its day passes).
        var budgets = options.CurrentValue.Budgets;
        return settlement.UserId is { Length: > 0 } userId && (budgets.OwnerTokensPerDay is not null || budgets.OwnerConcurrentGenerations is not null)
            ? ledger.SettleAsync(userId, settlement.GenerationId, settlement.UsedTokens, cancellationToken)
            : ValueTask.CompletedTask;
    }
}
