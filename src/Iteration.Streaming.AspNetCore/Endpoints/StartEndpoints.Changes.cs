using System.Text.Json;
using Iteration.Streaming.AspNetCore.Diagnostics;
using Iteration.Streaming.AspNetCore.Http;
using Iteration.Streaming.Diffs;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.AspNetCore.Endpoints;

/// <summary>
/// <c>POST {prefix}/{id}/fork</c> and <c>POST {prefix}/{id}/revert</c>: new generations made from the saved states of
/// <c>{id}</c>, admitted as a retry is (its control token or its owner first, then the body, an optional Idempotency-Key).
/// </summary>
internal sealed partial class StartEndpoints
{
    /// <summary>The query parameter with a token of the generation a revert's <c>to</c> names, when that is another one.</summary>
    public const string ToTokenQuery = "to_token";

    /// <summary>202 with a new generation that keeps phases 1 to <c>from_phase</c> of <c>{id}</c> and generates the rest.</summary>
    public async Task ForkAsync(HttpContext context)
    {
        if (await ReadIdempotencyKeyAsync(context).ConfigureAwait(false) is not { } key
            || await GenerationAccess.GetRouteIdAsync(context, logger).ConfigureAwait(false) is not { } source)
        {
            return;
        }

        var (allowed, userId) = await GenerationAccess.AuthorizeActionAsync(context, source, logger).ConfigureAwait(false);
        if (!allowed)
        {
            return;
        }

        var (body, error) = await JsonRequestReader.ReadAsync(
            context, IterationStreamingJson.ForkGenerationRequest, RequestLimits.MaxBodyBytes(Options(context))).ConfigureAwait(false);
        if (error is { } refused)
        {
            await Problems.WriteAsync(context, logger, refused.StatusCode, refused.Detail).ConfigureAwait(false);
            return;
        }

        if (body!.FromPhase is not { } fromPhase)
        {
            await Problems.BadRequest(context, logger, "'from_phase' is required: the last saved phase to keep, 1 or more.").ConfigureAwait(false);
            return;
        }

        ThrowIfStopping(context);
        var engine = context.RequestServices.GetRequiredService<IIterationEngine>();
        var fingerprint = source + " " + JsonSerializer.Serialize(body, IterationStreamingJson.ForkGenerationRequest);
        var request = new Admission(key.Value, userId, "fork", fingerprint, GroupPath(context, trailingSegments: 2), RetryOf: null);
        await AdmitAsync(context, request, async () =>
        {
            var id = await engine.ForkAsync(
                new ForkRequest(source, fromPhase) { ModificationPrompt = body.ModificationPrompt, UserId = userId, Review = body.Review, Budget = body.Budget },
                context.RequestAborted).ConfigureAwait(false);
            Log.ForkStarted(logger, id, source, fromPhase);
            return id;
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// 202 with a new iteration of <c>{id}</c> whose <c>paths</c> are restored from <c>to</c>, without the generator. A
    /// <c>to</c> naming another generation copies its files into one the caller controls, so that generation must be
    /// readable by the caller too: its token in <c>?to_token=</c>, or its owner.
    /// </summary>
    public async Task RevertAsync(HttpContext context)
    {
        if (await ReadIdempotencyKeyAsync(context).ConfigureAwait(false) is not { } key
            || await GenerationAccess.GetRouteIdAsync(context, logger).ConfigureAwait(false) is not { } reverted)
        {
            return;
        }

        var (allowed, userId) = await GenerationAccess.AuthorizeActionAsync(context, reverted, logger).ConfigureAwait(false);
        if (!allowed)
        {
            return;
        }

        var (body, error) = await JsonRequestReader.ReadAsync(
            context, IterationStreamingJson.RevertGenerationRequest, RequestLimits.MaxRevertBodyBytes(Options(context))).ConfigureAwait(false);
        if (error is { } refused)
        {
            await Problems.WriteAsync(context, logger, refused.StatusCode, refused.Detail).ConfigureAwait(false);
            return;
        }

        // The engine checks the paths and 'to' again (400 naming the field); parsed here to know which generation 'to' names.
        var to = StateReference.Parse(body!.To, "to");
        if (to.GenerationId is { } other
            && !string.Equals(other, reverted, StringComparison.Ordinal)
            && !await GenerationAccess.AuthorizeOtherReadAsync(context, other, ToTokenQuery, "to", logger).ConfigureAwait(false))
        {
            return;
        }

        ThrowIfStopping(context);
        var engine = context.RequestServices.GetRequiredService<IIterationEngine>();
        var fingerprint = reverted + " " + JsonSerializer.Serialize(body, IterationStreamingJson.RevertGenerationRequest);
        var request = new Admission(key.Value, userId, "revert", fingerprint, GroupPath(context, trailingSegments: 2), RetryOf: null);
        await AdmitAsync(context, request, async () =>
        {
            var id = await engine.RevertAsync(new RevertRequest(reverted, body.Paths!, body.To!) { UserId = userId }, context.RequestAborted).ConfigureAwait(false);
            Log.RevertStarted(logger, id, reverted, body.Paths!.Count);
            return id;
        }).ConfigureAwait(false);
    }
}
