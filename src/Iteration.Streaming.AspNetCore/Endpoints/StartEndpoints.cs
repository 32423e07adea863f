using System.Text.Json;
using Iteration.Streaming.AspNetCore.Diagnostics;
using Iteration.Streaming.AspNetCore.Http;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.AspNetCore.Endpoints;

/// <summary>
/// <c>POST {prefix}</c>, <c>POST {prefix}/iterate</c> and <c>POST {prefix}/{id}/retry</c> (and <c>/fork</c>, <c>/revert</c>:
/// <c>StartEndpoints.Changes.cs</c>): start a generation, an
/// iteration or a retry in the background and answer 202 with its id, its two tokens and its URLs. Iterate and retry act
/// on an existing generation, so they need its control token (or its owner) before anything about it is looked up.
/// </summary>
internal sealed partial class StartEndpoints(ILogger logger)
{
    public async Task StartAsync(HttpContext context)
    {
        if (await ReadIdempotencyKeyAsync(context).ConfigureAwait(false) is not { } key)
        {
            return;
        }

        var options = Options(context);
        var (body, error) = await JsonRequestReader.ReadAsync(
            context, IterationStreamingJson.StartGenerationRequest, RequestLimits.MaxBodyBytes(options)).ConfigureAwait(false);
        if (error is { } refused)
        {
            await Problems.WriteAsync(context, logger, refused.StatusCode, refused.Detail).ConfigureAwait(false);
            return;
        }

        var userId = await GenerationAccess.ResolveUserAsync(context).ConfigureAwait(false);
        ThrowIfStopping(context);
        var engine = context.RequestServices.GetRequiredService<IIterationEngine>();
        var request = new Admission(key.Value, userId, "start", JsonSerializer.Serialize(body!, IterationStreamingJson.StartGenerationRequest), GroupPath(context, trailingSegments: 0), RetryOf: null);
        await AdmitAsync(context, request, async () =>
        {
            var id = await engine.StartAsync(new GenerationRequest(body!.Prompt!, body.Entities) { UserId = userId, Review = body.Review, Budget = body.Budget }, context.RequestAborted).ConfigureAwait(false);
            Log.GenerationStarted(logger, id);
            return id;
        }).ConfigureAwait(false);
    }

    public async Task IterateAsync(HttpContext context)
    {
        if (await ReadIdempotencyKeyAsync(context).ConfigureAwait(false) is not { } key)
        {
            return;
        }

        var options = Options(context);
        var (body, error) = await JsonRequestReader.ReadAsync(
            context, IterationStreamingJson.IterateGenerationRequest, RequestLimits.MaxBodyBytes(options)).ConfigureAwait(false);
        if (error is { } refused)
        {
            await Problems.WriteAsync(context, logger, refused.StatusCode, refused.Detail).ConfigureAwait(false);
            return;
        }

        var parentId = body!.ParentGenerationId;
        if (!RequestValues.IsGenerationId(parentId))
        {
            await Problems.BadRequest(
                context, logger, string.IsNullOrWhiteSpace(parentId) ? "'parent_generation_id' is required." : RequestValues.GenerationIdError("parent_generation_id")).ConfigureAwait(false);
            return;
        }

        // The parent's control token (or ownership) before any lookup: no answer tells a stranger whether the parent exists.
        var (allowed, userId) = await GenerationAccess.AuthorizeActionAsync(context, parentId!, logger).ConfigureAwait(false);
        if (!allowed)
        {
            return;
        }

        ThrowIfStopping(context);
        var engine = context.RequestServices.GetRequiredService<IIterationEngine>();
        var request = new Admission(key.Value, userId, "iterate", JsonSerializer.Serialize(body, IterationStreamingJson.IterateGenerationRequest), GroupPath(context, trailingSegments: 1), RetryOf: null);
        await AdmitAsync(context, request, async () =>
        {
            var id = await engine.IterateAsync(new IterationRequest(parentId!, body.ModificationPrompt!) { UserId = userId, Review = body.Review, Budget = body.Budget }, context.RequestAborted).ConfigureAwait(false);
            Log.IterationStarted(logger, id, parentId!);
            return id;
        }).ConfigureAwait(false);
    }

    /// <summary>202 with a new generation that reuses the saved phases; 409 when the generation is running or completed.</summary>
    public async Task RetryAsync(HttpContext context)
    {
        if (await ReadIdempotencyKeyAsync(context).ConfigureAwait(false) is not { } key
            || await GenerationAccess.GetRouteIdAsync(context, logger).ConfigureAwait(false) is not { } retried)
        {
            return;
        }

        var (allowed, userId) = await GenerationAccess.AuthorizeActionAsync(context, retried, logger).ConfigureAwait(false);
        if (!allowed)
        {
            return;
        }

        // The body is optional ({"review": …, "budget": …}); without one the retry takes the host's default review and budget.
        RetryGenerationRequest? body = null;
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            (body, var error) = await JsonRequestReader.ReadAsync(
                context, IterationStreamingJson.RetryGenerationRequest, RequestLimits.MaxBodyBytes(Options(context))).ConfigureAwait(false);
            if (error is { } refused)
            {
                await Problems.WriteAsync(context, logger, refused.StatusCode, refused.Detail).ConfigureAwait(false);
                return;
            }
        }

        ThrowIfStopping(context);
        var engine = context.RequestServices.GetRequiredService<IIterationEngine>();
        var fingerprint = body?.Review is null && body?.Budget is null ? retried : retried + " " + JsonSerializer.Serialize(body, IterationStreamingJson.RetryGenerationRequest);
        var request = new Admission(key.Value, userId, "retry", fingerprint, GroupPath(context, trailingSegments: 2), RetryOf: retried);
        await AdmitAsync(context, request, async () =>
        {
            var id = await engine.RetryAsync(new RetryRequest(retried) { UserId = userId, Review = body?.Review, Budget = body?.Budget }, context.RequestAborted).ConfigureAwait(false);
            Log.RetryStarted(logger, id, retried);
            return id;
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the <c>Idempotency-Key</c> header: the key (<see langword="null"/> inside when none was sent), or
    /// <see langword="null"/> when it was malformed (answered 400).
    /// </summary>
    private async ValueTask<OptionalKey?> ReadIdempotencyKeyAsync(HttpContext context)
    {
        var (key, error) = IdempotentRequest.ReadKey(context.Request);
        if (error is { } refused)
        {
            await Problems.WriteAsync(context, logger, refused.StatusCode, refused.Detail).ConfigureAwait(false);
            return null;
        }

        return new OptionalKey(key);
    }

    /// <summary>Starts the run through <paramref name="start"/> and answers 202, under the request's idempotency key when it has one.</summary>
    private async Task AdmitAsync(HttpContext context, Admission request, Func<Task<string>> start)
    {
        IdempotentRequest? claim = null;
        if (request.Key is { } key)
        {
            claim = await IdempotentRequest.BeginAsync(
                context, logger, key, request.UserId, request.Operation, request.Body,
                (id, retryOf) => WriteStartedAsync(context, logger, id, request.GroupPath, retryOf)).ConfigureAwait(false);
            if (claim is null)
            {
                return;
            }
        }

        string started;
        try
        {
            started = await start().ConfigureAwait(false);
        }
        catch when (claim is not null)
        {
            await claim.ReleaseAsync().ConfigureAwait(false);
            throw;
        }

        if (claim is not null)
        {
            try
            {
                await claim.CompleteAsync(context, started, request.RetryOf).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The run has started: the client gets its 202; only a repeat of the request would start another.
                Log.IdempotencyKeyNotRecorded(logger, started, ex);
            }
        }

        await WriteStartedAsync(context, logger, started, request.GroupPath, request.RetryOf).ConfigureAwait(false);
    }

    /// <summary>A stopping host admits no new runs (503 with <c>Retry-After</c>): the client retries, and another instance takes it.</summary>
    private static void ThrowIfStopping(HttpContext context)
    {
        if (context.RequestServices.GetService<IHostApplicationLifetime>()?.ApplicationStopping.IsCancellationRequested == true)
        {
            throw new GenerationCapacityException("This server is shutting down and starts no new generations; retry, and another server takes the request.");
        }
    }

    private static IterationStreamingOptions Options(HttpContext context) =>
        context.RequestServices.GetRequiredService<IOptionsMonitor<IterationStreamingOptions>>().CurrentValue;

    /// <summary>The group's path as the client sees it (path base included, route parameters filled in), escaped.</summary>
    private static string GroupPath(HttpContext context, int trailingSegments)
    {
        var path = (context.Request.PathBase + context.Request.Path).ToUriComponent().TrimEnd('/');
        for (var i = 0; i < trailingSegments; i++)
        {
            path = path[..Math.Max(0, path.LastIndexOf('/'))];
        }

        return path;
    }

    private static async Task WriteStartedAsync(HttpContext context, ILogger logger, string id, string groupPath, string? retryOf)
    {
        var record = await ReadRecordAsync(context, logger, id).ConfigureAwait(false);
        var tokens = context.RequestServices.GetRequiredService<IStreamTokenService>();
        var statusUrl = $"{groupPath}/{id}";
        var started = new GenerationStartedResponse
        {
            GenerationId = id,
            SseToken = tokens.IssueToken(id, StreamTokenScope.Read),
            ControlToken = tokens.IssueToken(id, StreamTokenScope.Control),
            RetryOf = retryOf,
            ForkedFrom = record?.ForkedFrom,
            FromPhase = record?.ForkedFrom is null ? null : record.FromPhase,
            StreamUrl = statusUrl + "/stream",
            StatusUrl = statusUrl,
            Budget = record?.Budget,
        };

        var response = context.Response;
        response.StatusCode = StatusCodes.Status202Accepted;
        response.Headers.Location = statusUrl;
        response.Headers.CacheControl = "no-store";
        await response.WriteAsJsonAsync(started, IterationStreamingJson.GenerationStartedResponse, contentType: null, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// The new run's record, for the budget it is held to (after the host's cap and default) and a fork's source: the
    /// engine wrote both before the start returned. The run has started whatever happens here, so a record that cannot be
    /// read leaves those fields out (and a warning in the log) rather than turning the 202 into an error that invites a
    /// second start.
    /// </summary>
    private static async ValueTask<Records.GenerationRecord?> ReadRecordAsync(HttpContext context, ILogger logger, string id)
    {
        try
        {
            return await context.RequestServices.GetRequiredService<IIterationEngine>().GetRecordAsync(id, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.BudgetNotRead(logger, id, ex);
            return null;
        }
    }

    /// <summary>The <c>Idempotency-Key</c> of a request, or none.</summary>
    private readonly record struct OptionalKey(string? Value);

    /// <summary>What a start, iterate or retry admits: its idempotency key and fingerprint, and where its answer points.</summary>
    private sealed record Admission(string? Key, string? UserId, string Operation, string Body, string GroupPath, string? RetryOf);
}
