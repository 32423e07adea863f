using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;

namespace Iteration.Streaming.AspNetCore.Builder;

/// <summary>
/// What each endpoint reads from the request, as method signatures for API explorers (Microsoft.AspNetCore.OpenApi,
/// Swashbuckle): the endpoints themselves are request delegates that read the request by hand, so these are never
/// called; their parameters become the documented path, query and header parameters.
/// </summary>
internal static class EndpointShapes
{
    private const string TokenDescription = "The generation's sse_token, where a header cannot be sent (EventSource); otherwise Authorization: Bearer.";

    public static Task Start([FromBody] Contracts.StartGenerationRequest request) => throw new NotSupportedException();

    public static Task Iterate([FromBody] Contracts.IterateGenerationRequest request) => throw new NotSupportedException();

    public static Task Act([Description("The generation's id.")] string id) => throw new NotSupportedException();

    public static Task Retry(
        [Description("The generation's id.")] string id,
        [FromBody(EmptyBodyBehavior = Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)] Contracts.RetryGenerationRequest? request) => throw new NotSupportedException();

    public static Task Fork(
        [Description("The generation to fork.")] string id,
        [FromBody] Contracts.ForkGenerationRequest request) => throw new NotSupportedException();

    public static Task Revert(
        [Description("The generation whose files to restore.")] string id,
        [FromQuery(Name = "to_token"), Description("When 'to' names another generation: its sse_token or control_token, unless the caller owns it.")] string? toToken,
        [FromBody] Contracts.RevertGenerationRequest request) => throw new NotSupportedException();

    public static Task Diff(
        [Description("The generation whose files are the newer side.")] string id,
        [FromQuery(Name = "against"), Description("The older side: another generation's id (its files now), or phase:{k} for a saved phase of this generation (phase:0: what it started from).")] string against,
        [FromQuery(Name = "against_token"), Description("When 'against' names another generation: its sse_token or control_token, unless the caller owns it.")] string? againstToken,
        [FromQuery(Name = "token"), Description(TokenDescription)] string? token) => throw new NotSupportedException();

    public static Task Input(
        [Description("The generation's id.")] string id,
        [FromBody] Contracts.GenerationInputRequest request) => throw new NotSupportedException();

    public static Task List(
        [FromQuery(Name = "owner"), Description("Whose generations: 'me', the signed-in caller (the only value).")] string owner,
        [FromQuery(Name = "status"), Description("Only generations with this status.")] string? status,
        [FromQuery(Name = "limit"), Description("The most generations on the page, 1 to 100. Default 20.")] int? limit,
        [FromQuery(Name = "cursor"), Description("The previous page's next_cursor, unchanged, for the next page.")] string? cursor) =>
        throw new NotSupportedException();

    public static Task Read(
        [Description("The generation's id.")] string id,
        [FromQuery(Name = "token"), Description(TokenDescription)] string? token) => throw new NotSupportedException();

    public static Task ReadFile(
        [Description("The generation's id.")] string id,
        [Description("The file's path inside the generation, such as src/app.py.")] string path,
        [FromQuery(Name = "token"), Description(TokenDescription)] string? token) => throw new NotSupportedException();

    public static Task Watch([FromBody] Contracts.GenerationWatchRequest request) => throw new NotSupportedException();

    public static Task Multiplex(
        [FromQuery(Name = "token"), Description("The watch token from POST /watch, where a header cannot be sent (EventSource); otherwise Authorization: Bearer.")] string? token,
        [FromQuery(Name = "owner"), Description("'me': the signed-in caller's live generations and every one they start (instead of a watch token).")] string? owner,
        [FromQuery(Name = "from"), Description("'now' (default): each generation from its latest event; 'start': each from its first.")] string? from,
        [FromQuery(Name = "lastEventId"), Description("Resume after this cursor (the id of the last event received), where the Last-Event-ID header cannot be sent.")] string? lastEventId,
        [FromHeader(Name = "Last-Event-ID"), Description("Resume after this cursor (EventSource sends it on reconnect).")] string? lastEventIdHeader) =>
        throw new NotSupportedException();

    public static Task Stream(
        [Description("The generation's id.")] string id,
        [FromQuery(Name = "token"), Description(TokenDescription)] string? token,
        [FromQuery(Name = "lastEventId"), Description("Resume after this event id, where the Last-Event-ID header cannot be sent.")] long? lastEventId,
        [FromHeader(Name = "Last-Event-ID"), Description("Resume after this event id (EventSource sends it on reconnect).")] long? lastEventIdHeader) =>
        throw new NotSupportedException();
}

/// <summary>
/// How a parameter of an <see cref="EndpointShapes"/> method binds, the way the minimal API factory describes a handler's
/// parameters to API explorers: plain values from the route, query or header.
/// </summary>
internal sealed class ShapeParameter(System.Reflection.ParameterInfo parameter) : Microsoft.AspNetCore.Http.Metadata.IParameterBindingMetadata
{
    public string Name => parameter.Name!;

    public bool HasTryParse => parameter.ParameterType == typeof(string) || Nullable.GetUnderlyingType(parameter.ParameterType) is not null;

    public bool HasBindAsync => false;

    public System.Reflection.ParameterInfo ParameterInfo => parameter;

    public bool IsOptional => Nullable.GetUnderlyingType(parameter.ParameterType) is not null
        || new System.Reflection.NullabilityInfoContext().Create(parameter).WriteState == System.Reflection.NullabilityState.Nullable;
}
