namespace Iteration.Streaming.Sample.Web;

/// <summary>The OpenAPI document of the sample, built by <c>Microsoft.AspNetCore.OpenApi</c> from the endpoints' metadata.</summary>
internal static class SampleOpenApi
{
    public const string DocumentName = "v1";

    /// <summary>Where the document is served: <c>/openapi/v1.json</c>.</summary>
    public const string Pattern = "/openapi/{documentName}.json";
}
