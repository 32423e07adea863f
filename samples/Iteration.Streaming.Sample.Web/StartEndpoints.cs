namespace Iteration.Streaming.Sample.Web;

/// <summary>
/// The endpoints that start a paid run (start, iterate, retry), recognised by the names <c>MapIterationStream</c> gives
/// them (also their OpenAPI operation ids), so the rate limit follows what routing matched, whatever the path's letter case.
/// </summary>
internal static class StartEndpoints
{
    /// <summary>The rate-limiting policy on the route group.</summary>
    public const string RateLimitPolicy = "generation-starts";

    // A group mapped at another prefix than /generations carries it as a suffix: "startGeneration_api_runs".
    private static readonly string[] Names = ["startGeneration", "iterateGeneration", "retryGeneration"];

    /// <summary>True when routing chose one of the start endpoints for this request (a POST).</summary>
    public static bool IsStart(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || context.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName is not { } name)
        {
            return false;
        }

        foreach (var start in Names)
        {
            if (name.Equals(start, StringComparison.Ordinal)
                || (name.StartsWith(start, StringComparison.Ordinal) && name.Length > start.Length && name[start.Length] == '_'))
            {
                return true;
            }
        }

        return false;
    }
}
