using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Diffs;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
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

    public async ValueTask<GenerationRun> ForkAsync(ForkRequest request, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        RequestValidator.Validate(request, settings);
        _ = BudgetRules.Effective(request.Budget, inherited: null, settings.Budgets);

        // Read from the record only: a fork starts (202) in the same time however many files it keeps.
        var source = await reads.GetCaughtUpAsync(request.GenerationId, cancellationToken).ConfigureAwait(false);
        if (!GenerationStatus.IsTerminal(source.Status) && !await reads.IsAtGateAsync(source, cancellationToken).ConfigureAwait(false))
        {
            throw new GenerationConflictException(
                $"Generation '{source.GenerationId}' is still {source.Status}; fork it once it has ended or while it waits at a review gate.");
        }

        if (source.Plan is null || source.PhasesSaved == 0)
        {
            throw new InvalidGenerationRequestException($"'from_phase' is {request.FromPhase}, but generation '{source.GenerationId}' saved no phase; there is nothing to keep.");
        }

        if (request.FromPhase > source.PhasesSaved)
        {
            throw new InvalidGenerationRequestException(string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"'from_phase' is {request.FromPhase}, past the last phase generation '{source.GenerationId}' saved ({source.PhasesSaved} of {source.Plan.Count})."));
        }

        var definition = RunDefinition.From(source) with
        {
            RetryOf = null,
            Revert = null,
            ForkedFrom = source.GenerationId,
            ModificationPrompt = request.ModificationPrompt ?? source.ModificationPrompt,
            UserId = request.UserId ?? source.UserId,
            Budget = BudgetRules.Effective(request.Budget, source.Budget, settings.Budgets),
        };
        return await admission.AdmitAsync(definition, RunStart.Fork, source with { PhasesSaved = request.FromPhase }, Steering(request.Review), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<GenerationRun> RevertAsync(RevertRequest request, FileStates states, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var paths = RequestValidator.Validate(request, settings);
        var to = Diffs.StateReference.Parse(request.To, "to");
        var parent = await reads.GetCaughtUpAsync(request.GenerationId, cancellationToken).ConfigureAwait(false);
        if (!GenerationStatus.IsTerminal(parent.Status))
        {
            throw new GenerationConflictException(
                $"Generation '{parent.GenerationId}' has not finished (status '{parent.Status}'); revert its files once it has completed, failed or been cancelled.");
        }

        var current = await states.CurrentAsync(parent.GenerationId, cancellationToken).ConfigureAwait(false);
        var target = await states.ResolveAsync(parent.GenerationId, to, "to", cancellationToken).ConfigureAwait(false);
        var locked = parent.Steering?.LockedPaths ?? [];
        for (var i = 0; i < request.Paths.Count; i++)
        {
            var path = request.Paths[i];
            if (ManifestLookup.Find(current.Files, path) is null && ManifestLookup.Find(target.Files, path) is null)
            {
                throw new InvalidGenerationRequestException(
                    $"'paths[{i}]' {FilePathValidator.Show(path)} is in neither generation '{parent.GenerationId}' nor {to}; there is nothing to restore.");
            }

            if (locked.Contains(path, StringComparer.Ordinal))
            {
                throw new GenerationConflictException($"'paths[{i}]' {FilePathValidator.Show(path)} is locked in generation '{parent.GenerationId}'; unlock it before reverting it.");
            }
        }

        var description = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Revert {paths.Length} {(paths.Length == 1 ? "file" : "files")} to {to}");
        var definition = new RunDefinition(parent.Prompt, description, parent.GenerationId, parent.Entities)
        {
            UserId = request.UserId ?? parent.UserId,
            Revert = new GenerationRevert { To = to.ToString(), Paths = paths },
            Plan = [new PlannedPhase(1, description, PhaseKind.Custom, EstimatedFileCount: paths.Length)],
        };
        return await admission.AdmitAsync(definition, RunStart.Fresh, null, steering: null, cancellationToken).ConfigureAwait(false);
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
