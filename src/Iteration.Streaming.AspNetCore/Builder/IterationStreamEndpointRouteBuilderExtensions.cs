using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Iteration.Streaming.AspNetCore.Builder;
using Iteration.Streaming.AspNetCore.Diagnostics;
using Iteration.Streaming.AspNetCore.Endpoints;
using Iteration.Streaming.AspNetCore.Http;
using Iteration.Streaming.AspNetCore.Security;
using Iteration.Streaming.AspNetCore.Streams;
using Iteration.Streaming.AspNetCore.Streams.Multiplex;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Maps the Iteration.Streaming HTTP endpoints.
/// </summary>
public static class IterationStreamEndpointRouteBuilderExtensions
{
    private const string OpenApiTag = "Iteration.Streaming";
    private const string JsonContentType = "application/json";
    private const string EventStreamContentType = "text/event-stream";

    // Every route can also answer 500 (a generic Problem Details with a reference into the log), 429 (a host's rate
    // limiter) and 503 with Retry-After (a stopping host, or storage that cannot be written).
    private static readonly int[] ReadProblems =
        [StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound];

    private static readonly int[] WatchProblems =
        [StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType];

    private static readonly int[] ListProblems =
        [StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden];

    private static readonly int[] ActionProblems = [.. ReadProblems, StatusCodes.Status409Conflict];

    // 409 also for an Idempotency-Key whose first request is still being admitted; 422 for the key with another request;
    // 429 (always listed) also for a budget policy's refusal.
    private static readonly int[] StartProblems =
        [StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status422UnprocessableEntity];

    private static readonly int[] IterateProblems = [.. ActionProblems, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status422UnprocessableEntity];

    private static readonly int[] RetryProblems = [.. ActionProblems, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status422UnprocessableEntity];

    // 406 for an Accept header that allows neither JSON nor text/x-diff.
    private static readonly int[] DiffProblems = [.. ReadProblems, StatusCodes.Status406NotAcceptable];

    private static readonly int[] ForkProblems = [.. RetryProblems];

    private static readonly int[] InputProblems = [.. ActionProblems, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status429TooManyRequests];

    /// <summary>
    /// Maps the generation endpoints under <paramref name="prefix"/>: <c>POST {prefix}</c> and <c>POST {prefix}/iterate</c>
    /// (start, 202), <c>GET {prefix}/{id}/stream</c> (Server-Sent Events with resume), <c>GET {prefix}/{id}</c> (snapshot),
    /// <c>GET {prefix}/{id}/live</c> (the phase in progress, with the exact text so far of the file being written),
    /// <c>GET {prefix}/{id}/files</c>, <c>/files/{**path}</c> and <c>/archive</c>, <c>DELETE {prefix}/{id}</c> (cancel),
    /// <c>POST {prefix}/{id}/retry</c> and <c>POST {prefix}/{id}/input</c> (review gates and instructions),
    /// <c>GET {prefix}/{id}/diff</c>, <c>POST {prefix}/{id}/fork</c> and <c>POST {prefix}/{id}/revert</c>, and with an owner
    /// resolver <c>GET {prefix}?owner=me</c> (the caller's generations). Reads need the generation's <c>sse_token</c> (or its
    /// control token, never in a URL) or its owner; iterate, cancel and retry need its <c>control_token</c> in the
    /// <c>Authorization</c> header, or its owner (see <c>AddGenerationOwnerResolver</c> and <c>AddClaimsOwnerResolver</c>).
    /// Every error is an RFC 9457 Problem Details.
    /// </summary>
    /// <param name="endpoints">The application or a route group.</param>
    /// <param name="prefix">The route prefix. Default <c>/generations</c>.</param>
    /// <returns>The route group, to add the host's own policies: <c>.RequireAuthorization()</c>, CORS, rate limiting.</returns>
    /// <exception cref="InvalidOperationException"><c>services.AddIterationStreaming()</c> was not called.</exception>
    public static RouteGroupBuilder MapIterationStream(
        this IEndpointRouteBuilder endpoints,
        [StringSyntax("Route")] string prefix = "/generations")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);

        var services = endpoints.ServiceProvider;
        if (services.GetService<IterationStreamingMarker>() is null)
        {
            throw new InvalidOperationException(
                "Unable to find the Iteration.Streaming services. Add them by calling 'services.AddIterationStreaming()' " +
                "(for example 'builder.Services.AddIterationStreaming()') before building the application.");
        }

        var logger = services.GetService<ILoggerFactory>()?.CreateLogger("Iteration.Streaming.AspNetCore") ?? NullLogger.Instance;
        var metrics = new StreamMetrics(services.GetService<IMeterFactory>());
        var start = new StartEndpoints(logger);
        var status = new StatusEndpoints(logger);
        var stream = new StreamEndpoint(logger, metrics, GenerationStreamLimiter.For(services));
        var files = new FileEndpoints(logger);
        var input = new InputEndpoints(logger);
        var diff = new DiffEndpoint(logger);
        var live = new LiveEndpoint(logger);
        // The list exists only for hosts that know their callers (a scoped resolver cannot be resolved here: only asked about).
        var listsOwners = services.GetService<IServiceProviderIsService>()?.IsService(typeof(IGenerationOwnerResolver)) == true;
        var unmatched = new UnmatchedRouteEndpoint(logger, listsOwners);
        var optionsMonitor = services.GetRequiredService<IOptionsMonitor<IterationStreamingOptions>>();
        var watch = new WatchEndpoint(logger);
        var multiplex = new MultiplexStreamEndpoint(
            logger, stream, GenerationStreamLimiter.For(services), new MultiplexCursor(optionsMonitor),
            StreamReplayGate.For(services, optionsMonitor.CurrentValue.MaxConcurrentStreamReplays), listsOwners);

        var group = endpoints.MapGroup(prefix);
        group.WithTags(OpenApiTag);
        var names = new OperationNames(prefix);

        group.MapPost(string.Empty, EndpointErrors.Handle(start.StartAsync, logger))
            .DescribedBy((Func<StartGenerationRequest, Task>)EndpointShapes.Start)
            .WithDisplayName("Iteration.Streaming: start a generation")
            .WithName(names.Of("startGeneration"))
            .WithSummary("Start a generation")
            .WithDescription("Starts a generation in the background. The answer's sse_token reads it (stream, snapshot, files); its control_token acts on it (iterate, cancel, retry).")
            .Produces(StatusCodes.Status202Accepted, typeof(GenerationStartedResponse), JsonContentType)
            .ProducesProblems(StartProblems)
            .AddOpenApiOperationTransformer(OpenApiOperations.StartAsync);
        group.MapPost("/iterate", EndpointErrors.Handle(start.IterateAsync, logger))
            .DescribedBy((Func<IterateGenerationRequest, Task>)EndpointShapes.Iterate)
            .WithDisplayName("Iteration.Streaming: start an iteration")
            .WithName(names.Of("iterateGeneration"))
            .WithSummary("Start an iteration of a finished generation")
            .WithDescription("Starts a generation from the parent's files and a modification prompt. Needs the parent's control token (Authorization: Bearer) or its owner.")
            .Produces(StatusCodes.Status202Accepted, typeof(GenerationStartedResponse), JsonContentType)
            .ProducesProblems(IterateProblems)
            .AddOpenApiOperationTransformer(OpenApiOperations.IterateAsync);
        group.MapPost("/{id}/retry", EndpointErrors.Handle(start.RetryAsync, logger))
            .DescribedBy((Func<string, Iteration.Streaming.Contracts.RetryGenerationRequest?, Task>)EndpointShapes.Retry)
            .WithDisplayName("Iteration.Streaming: retry")
            .WithName(names.Of("retryGeneration"))
            .WithSummary("Retry a failed or cancelled generation")
            .WithDescription("Starts a new generation that reuses the saved phases (retry_of names the retried one). 409 while it runs or once it completed. Needs its control token or its owner.")
            .Produces(StatusCodes.Status202Accepted, typeof(GenerationStartedResponse), JsonContentType)
            .ProducesProblems(RetryProblems)
            .AddOpenApiOperationTransformer(OpenApiOperations.RetryAsync);
        group.MapPost("/{id}/fork", EndpointErrors.Handle(start.ForkAsync, logger))
            .DescribedBy((Func<string, Iteration.Streaming.Contracts.ForkGenerationRequest, Task>)EndpointShapes.Fork)
            .WithDisplayName("Iteration.Streaming: fork")
            .WithName(names.Of("forkGeneration"))
            .WithSummary("Fork a generation from a saved phase")
            .WithDescription("Starts a new generation that keeps phases 1 to from_phase of this one (sharing their files, copying nothing) and generates only the later phases, with the modification prompt in their context; the 202 names forked_from and from_phase. 400 for a from_phase below 1 or past the last saved phase; 409 while the generation is queued or running (at a review gate it may be forked). Needs its control token or its owner.")
            .Produces(StatusCodes.Status202Accepted, typeof(GenerationStartedResponse), JsonContentType)
            .ProducesProblems(ForkProblems)
            .AddOpenApiOperationTransformer(OpenApiOperations.ForkAsync);
        group.MapPost("/{id}/revert", EndpointErrors.Handle(start.RevertAsync, logger))
            .DescribedBy((Func<string, string?, Iteration.Streaming.Contracts.RevertGenerationRequest, Task>)EndpointShapes.Revert)
            .WithDisplayName("Iteration.Streaming: revert files")
            .WithName(names.Of("revertGeneration"))
            .WithSummary("Restore files from an earlier state, without the model")
            .WithDescription("Starts a new iteration of this generation whose paths are restored as they were in to (another generation's files, or phase:{k} of this one; deleted where they did not exist there). No generator is called; the run goes through the ordinary events and ends completed. 400 naming paths[i] for a bad, repeated or unknown path, or naming to; 409 while the generation runs, or for a locked path. Needs its control token or its owner, and for another generation in to, its token in ?to_token= or its owner.")
            .Produces(StatusCodes.Status202Accepted, typeof(GenerationStartedResponse), JsonContentType)
            .ProducesProblems(ForkProblems)
            .AddOpenApiOperationTransformer(OpenApiOperations.RevertAsync);
        group.MapPost("/{id}/input", EndpointErrors.Handle(input.SendAsync, logger))
            .DescribedBy((Func<string, Iteration.Streaming.Contracts.GenerationInputRequest, Task>)EndpointShapes.Input)
            .WithDisplayName("Iteration.Streaming: input")
            .WithName(names.Of("sendGenerationInput"))
            .WithSummary("Answer a review gate, or instruct a running generation")
            .WithDescription("approve, revise_plan (plan gate), edit_files (phase gate), lock, instruct (at a gate or while a phase runs), cancel. 202 once the input is stored, with the id of the event it caused; 409 naming the status when the action needs a gate the generation is not at; 429 past the instruction cap. Needs its control token or its owner.")
            .Produces(StatusCodes.Status202Accepted, typeof(Iteration.Streaming.Contracts.GenerationInputAccepted), JsonContentType)
            .ProducesProblems(InputProblems)
            .AddOpenApiOperationTransformer(OpenApiOperations.ControlAsync);
        group.MapPost("/watch", EndpointErrors.Handle(watch.HandleAsync, logger))
            .DescribedBy((Func<Iteration.Streaming.Contracts.GenerationWatchRequest, Task>)EndpointShapes.Watch)
            .WithDisplayName("Iteration.Streaming: watch a set")
            .WithName(names.Of("watchGenerations"))
            .WithSummary("Name a set of generations to follow over one stream")
            .WithDescription("Each generation with its sse_token or control_token (or, with an owner resolver, none for one the caller owns); answers one watch_token for GET {prefix}/stream. One member refused refuses the whole request, naming it. At most MaxGenerationsPerStream (default 100) generations.")
            .Produces(StatusCodes.Status200OK, typeof(Iteration.Streaming.Contracts.GenerationWatchResponse), JsonContentType)
            .ProducesProblems(WatchProblems);
        group.MapGet("/stream", EndpointErrors.Handle(multiplex.HandleAsync, logger))
            .DescribedBy((Func<string?, string?, string?, string?, string?, Task>)EndpointShapes.Multiplex)
            .WithDisplayName("Iteration.Streaming: multiplexed event stream")
            .WithName(names.Of("streamGenerations"))
            .WithSummary("Many generations' progress over one Server-Sent Events stream")
            .WithDescription("With a watch token (?token= or Authorization: Bearer): that set; with owner=me: the caller's live generations and every one they start. Each event's data is the member's own event (it carries generation_id); its id is one opaque cursor for the whole set: resume with Last-Event-ID. 204 once every member of a set was delivered; 429 past MaxMultiplexedStreamsPerOwner.")
            .Produces(StatusCodes.Status200OK, typeof(StreamingProgressEvent), EventStreamContentType)
            .Produces(StatusCodes.Status204NoContent, typeof(void), contentType: null)
            .ProducesProblems(ReadProblems)
            .AddOpenApiOperationTransformer(OpenApiOperations.MultiplexAsync);
        if (listsOwners)
        {
            var list = new ListEndpoint(logger, new GenerationListCursor(optionsMonitor));
            group.MapGet(string.Empty, EndpointErrors.Handle(list.HandleAsync, logger))
                .DescribedBy((Func<string, string?, int?, string?, Task>)EndpointShapes.List)
                .WithDisplayName("Iteration.Streaming: list")
                .WithName(names.Of("listGenerations"))
                .WithSummary("The signed-in caller's generations")
                .WithDescription("owner=me: the caller's generations (by the host's authentication, such as its cookie), newest first, a page at a time; pass next_cursor as cursor for the next page. 401 anonymous; 403 from another site; 400 naming a bad owner, status, limit or cursor. No token.")
                .Produces(StatusCodes.Status200OK, typeof(GenerationList), JsonContentType)
                .ProducesProblems(ListProblems)
                .AddOpenApiOperationTransformer(OpenApiOperations.ListAsync);
        }

        group.MapGet("/{id}", EndpointErrors.Handle(status.GetSnapshotAsync, logger))
            .DescribedBy((Func<string, string?, Task>)EndpointShapes.Read)
            .WithDisplayName("Iteration.Streaming: snapshot")
            .WithName(names.Of("getGeneration"))
            .WithSummary("The latest snapshot of a generation")
            .WithDescription("The last event and the file counts. The sse_token in Authorization: Bearer or ?token=.")
            .Produces(StatusCodes.Status200OK, typeof(GenerationSnapshot), JsonContentType)
            .ProducesProblems(ReadProblems)
            .AddOpenApiOperationTransformer(OpenApiOperations.ReadAsync);
        group.MapDelete("/{id}", EndpointErrors.Handle(status.CancelAsync, logger))
            .DescribedBy((Func<string, Task>)EndpointShapes.Act)
            .WithDisplayName("Iteration.Streaming: cancel")
            .WithName(names.Of("cancelGeneration"))
            .WithSummary("Cancel a generation")
            .WithDescription("202 with the snapshot when the run was going (its stream ends with cancelled); 409 when it had ended. Needs its control token or its owner.")
            .Produces(StatusCodes.Status202Accepted, typeof(GenerationSnapshot), JsonContentType)
            .ProducesProblems(ActionProblems)
            .AddOpenApiOperationTransformer(OpenApiOperations.ControlAsync);
        group.MapGet("/{id}/stream", (RequestDelegate)stream.HandleAsync)
            .DescribedBy((Func<string, string?, long?, long?, Task>)EndpointShapes.Stream)
            .WithDisplayName("Iteration.Streaming: event stream")
            .WithName(names.Of("streamGeneration"))
            .WithSummary("The generation's progress as Server-Sent Events")
            .WithDescription("Each event's data is a progress event (JSON) with id: <sequence>; resume with Last-Event-ID or ?lastEventId=. 204 when the generation has ended before that id. The sse_token in Authorization: Bearer or ?token=.")
            .Produces(StatusCodes.Status200OK, typeof(StreamingProgressEvent), EventStreamContentType)
            .Produces(StatusCodes.Status204NoContent, typeof(void), contentType: null)
            .ProducesProblems(ReadProblems)
            .AddOpenApiOperationTransformer(OpenApiOperations.ReadAsync);
        group.MapGet("/{id}/live", EndpointErrors.Handle(live.GetAsync, logger))
            .DescribedBy((Func<string, string?, Task>)EndpointShapes.Read)
            .WithDisplayName("Iteration.Streaming: live phase")
            .WithName(names.Of("getLiveGeneration"))
            .WithSummary("The phase in progress: its files so far and the text of the file being written")
            .WithDescription("The files the phase in progress finished (not saved yet) and the exact text so far of the file being written, each with its offset (its length in UTF-16 code units), and sequence, the id of the last event they include: open the stream with Last-Event-ID: {sequence} and apply the partial_output deltas after it to rebuild what a watcher connected from the start sees. No phase and no files when none is in progress (queued, between phases, at a review gate, ended). Cache-Control: no-store. The sse_token in Authorization: Bearer or ?token=.")
            .Produces(StatusCodes.Status200OK, typeof(GenerationLive), JsonContentType)
            .ProducesProblems(ReadProblems)
            .AddOpenApiOperationTransformer(OpenApiOperations.ReadAsync);
        group.MapGet("/{id}/files", EndpointErrors.Handle(files.ListAsync, logger))
            .DescribedBy((Func<string, string?, Task>)EndpointShapes.Read)
            .WithDisplayName("Iteration.Streaming: file list")
            .WithName(names.Of("listGenerationFiles"))
            .WithSummary("The files saved so far")
            .WithDescription("The partial result while the generation runs or after it failed. The sse_token in Authorization: Bearer or ?token=.")
            .Produces(StatusCodes.Status200OK, typeof(GenerationFileList), JsonContentType)
            .ProducesProblems(ReadProblems)
            .AddOpenApiOperationTransformer(OpenApiOperations.ReadAsync);
        group.MapGet("/{id}/files/{**path}", EndpointErrors.Handle(files.GetFileAsync, logger))
            .DescribedBy((Func<string, string, string?, Task>)EndpointShapes.ReadFile)
            .WithDisplayName("Iteration.Streaming: file")
            .WithName(names.Of("getGenerationFile"))
            .WithSummary("One saved file")
            .WithDescription(
                "The file's bytes with its ETag; 304 for a matching If-None-Match, 412 for a failed If-Match, 206 for a single byte Range (416 past the end). The sse_token in Authorization: Bearer or ?token=.")
            .Produces(StatusCodes.Status200OK, typeof(Stream), "application/octet-stream")
            .Produces(StatusCodes.Status206PartialContent, typeof(Stream), "application/octet-stream")
            .Produces(StatusCodes.Status304NotModified, typeof(void), contentType: null)
            .Produces(StatusCodes.Status412PreconditionFailed, typeof(void), contentType: null)
            .Produces(StatusCodes.Status416RangeNotSatisfiable, typeof(void), contentType: null)
            .ProducesProblems(ReadProblems)
            .AddOpenApiOperationTransformer(OpenApiOperations.ReadFileAsync);
        group.MapGet("/{id}/diff", EndpointErrors.Handle(diff.HandleAsync, logger))
            .DescribedBy((Func<string, string, string?, string?, Task>)EndpointShapes.Diff)
            .WithDisplayName("Iteration.Streaming: diff")
            .WithName(names.Of("diffGeneration"))
            .WithSummary("How the files differ from another generation or a saved phase")
            .WithDescription("Every path of either side (added, modified, deleted, unchanged) with line counts and a unified diff per text file; binary, over-size and over-limit files are named in skipped, the limits said in the answer. against: another generation's id (its files now; its token in ?against_token= or its owner) or phase:{k}, a saved phase of this generation (phase:0: what it started from). JSON by default; Accept: text/x-diff answers one patch that git apply accepts. The sse_token in Authorization: Bearer or ?token=.")
            .Produces(StatusCodes.Status200OK, typeof(Iteration.Streaming.Contracts.GenerationDiff), JsonContentType)
            .ProducesProblems(DiffProblems)
            .AddOpenApiOperationTransformer(OpenApiOperations.DiffAsync);
        group.MapGet("/{id}/archive", EndpointErrors.Handle(files.GetArchiveAsync, logger))
            .DescribedBy((Func<string, string?, Task>)EndpointShapes.Read)
            .WithDisplayName("Iteration.Streaming: archive")
            .WithName(names.Of("getGenerationArchive"))
            .WithSummary("The saved files as a zip")
            .WithDescription("The sse_token in Authorization: Bearer or ?token=.")
            .Produces(StatusCodes.Status200OK, typeof(Stream), "application/zip")
            .ProducesProblems(ReadProblems)
            .AddOpenApiOperationTransformer(OpenApiOperations.ReadAsync);
        group.Map("/{**" + UnmatchedRouteEndpoint.PathParameter + "}", EndpointErrors.Handle(unmatched.HandleAsync, logger))
            .WithDisplayName("Iteration.Streaming: no such endpoint")
            .WithOrder(int.MaxValue)
            .ExcludeFromDescription();
        return group;
    }

    /// <summary>
    /// A method whose signature is the endpoint's request, as endpoint metadata: API explorers (Microsoft.AspNetCore.OpenApi,
    /// Swashbuckle) describe only endpoints that carry one, and take its parameters as the endpoint's (see
    /// <see cref="EndpointShapes"/>), the responses from the Produces metadata. No Accepts metadata: routing would then
    /// answer a wrong Content-Type itself, where the endpoint answers it with a Problem Details 415.
    /// </summary>
    private static IEndpointConventionBuilder DescribedBy(this IEndpointConventionBuilder builder, Delegate shape) =>
        builder.WithMetadata([shape.Method, .. shape.Method.GetParameters().Select(static p => new ShapeParameter(p))]);

    private static IEndpointConventionBuilder Produces(this IEndpointConventionBuilder builder, int statusCode, Type? type, string? contentType) =>
        builder.WithMetadata(new ProducesResponseTypeMetadata(statusCode, type, contentType is null ? null : [contentType]));

    private static IEndpointConventionBuilder ProducesProblems(this IEndpointConventionBuilder builder, IEnumerable<int> statusCodes)
    {
        foreach (var statusCode in statusCodes.Concat([StatusCodes.Status429TooManyRequests, StatusCodes.Status500InternalServerError, StatusCodes.Status503ServiceUnavailable]).Distinct())
        {
            builder.ProducesProblem(statusCode);
        }

        return builder;
    }

    /// <summary>
    /// Endpoint names, which are also the OpenAPI operation ids. They must be unique in the application, so a group
    /// mapped at another prefix than the default (a host may map several) carries the prefix in its names.
    /// </summary>
    private readonly struct OperationNames(string prefix)
    {
        public string Of(string operation)
        {
            var route = prefix.Trim('/');
            if (route.Length == 0 || string.Equals(route, "generations", StringComparison.Ordinal))
            {
                return operation;
            }

            var suffix = new string([.. route.Select(static c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);
            return operation + "_" + suffix;
        }
    }
}
