using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Idempotency;
using Iteration.Streaming.Records;
using Iteration.Streaming.Runs.Budgets;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Runs;

/// <summary>
/// Turns the engine's three requests into admitted runs: checks each against the limits, resolves an iteration's
/// parent and a retry's source (with its one-live-retry claim), picks the review gates (the request's or the host's
/// default) and hands the definition to <see cref="RunAdmission"/>.
/// </summary>
internal sealed class RunRequests(
    IFileSink fileSink,
    RunAdmission admission,
    GenerationReads reads,
    RetryClaims retryClaims,
    IOptionsMonitor<IterationStreamingOptions> options,
    TimeProvider timeProvider)
{
    public async ValueTask<GenerationRun> StartAsync(GenerationRequest request, CancellationToken cancellationToken)
    {
        RequestValidator.Validate(request, options.CurrentValue);
        var definition = new RunDefinition(request.Prompt, null, null, [.. request.Entities ?? []])
        {
            UserId = request.UserId,
            Budget = BudgetRules.Effective(request.Budget, inherited: null, options.CurrentValue.Budgets),
        };
        return await admission.AdmitAsync(definition, RunStart.Fresh, null, Steering(request.Review), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<GenerationRun> IterateAsync(IterationRequest request, CancellationToken cancellationToken)
    {
        RequestValidator.Validate(request, options.CurrentValue);
        var budget = BudgetRules.Effective(request.Budget, inherited: null, options.CurrentValue.Budgets);
        var parent = await reads.GetCaughtUpAsync(request.ParentGenerationId, cancellationToken).ConfigureAwait(false);
        if (!GenerationStatus.IsTerminal(parent.Status))
        {
            throw new GenerationConflictException(
                $"Generation '{parent.GenerationId}' has not finished (status '{parent.Status}'); iterate on it once it has completed, failed or been cancelled.");
        }

        if (await fileSink.GetManifestAsync(parent.GenerationId, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new GenerationConflictException($"Generation '{parent.GenerationId}' ended with status '{parent.Status}' before saving any files; there is nothing to iterate on.");
        }

        var definition = new RunDefinition(parent.Prompt, request.ModificationPrompt, parent.GenerationId, parent.Entities) { UserId = request.UserId, Budget = budget };
        return await admission.AdmitAsync(definition, RunStart.Fresh, null, Steering(request.Review), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<GenerationRun> RetryAsync(RetryRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.GenerationId))
        {
            throw new InvalidGenerationRequestException("The generation to retry is required.");
        }

        var settings = options.CurrentValue;
        RequestValidator.ValidateReview(request.Review, settings);
        _ = BudgetRules.Effective(request.Budget, inherited: null, settings.Budgets);
        var old = await reads.GetCaughtUpAsync(request.GenerationId, cancellationToken).ConfigureAwait(false);
        if (old.Status != GenerationStatus.Failed && old.Status != GenerationStatus.Cancelled)
        {
            throw new GenerationConflictException(old.Status == GenerationStatus.Completed
                ? $"Generation '{old.GenerationId}' completed; there is nothing to retry. Start an iteration to change it."
                : $"Generation '{old.GenerationId}' is still {old.Status}; only a failed or cancelled generation can be retried.");
        }

        // Only phases whose files are still in the sink can be reused.
        var saved = await fileSink.GetManifestAsync(old.GenerationId, cancellationToken).ConfigureAwait(false) is null ? 0 : old.PhasesSaved;
        var definition = RunDefinition.From(old) with
        {
            RetryOf = old.GenerationId,
            UserId = request.UserId ?? old.UserId,
            Budget = BudgetRules.Effective(request.Budget, old.Budget, settings.Budgets),
        };

        // One live retry per chain and at most MaxRetriesPerGeneration in all, claimed atomically in the shared store.
        var claim = await retryClaims.ClaimAsync(old, settings.MaxRetriesPerGeneration, cancellationToken).ConfigureAwait(false);
        GenerationRun run;
        try
        {
            run = await admission.AdmitAsync(definition, RunStart.Retry, old with { PhasesSaved = saved }, Steering(request.Review), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await claim.ReleaseAsync().ConfigureAwait(false);
            throw;
        }

        await claim.CompleteAsync(run.GenerationId, timeProvider.GetUtcNow() + settings.RetainCompletedFor + TimeSpan.FromDays(1), CancellationToken.None).ConfigureAwait(false);
        return run;
    }

    /// <summary>The steering a new generation starts with: its review gates (the request's, or the host's default).</summary>
    private RunSteering? Steering(ReviewRequest? review)
    {
        review ??= options.CurrentValue.DefaultReview?.ToReview();
        return review is null || (review.Plan != true && review.AfterPhases is null or { IsAll: false, Phases.Count: 0 })
            ? null
            : new RunSteering { Review = review };
    }
}
