namespace Iteration.Streaming.Sample.Web;

/// <summary>
/// <c>Sample:CorsOrigins</c>: the origins whose pages may call the generation endpoints from another origin (a
/// front-end dev server such as <c>http://localhost:5173</c>). A comma-separated list, or the array form
/// (<c>Sample:CorsOrigins:0</c>, <c>:1</c>, ...). Without it the endpoints send no CORS headers, so browsers allow
/// only the sample's own page.
/// </summary>
internal static class SampleCors
{
    public const string ConfigurationKey = "Sample:CorsOrigins";

    public const string PolicyName = "sample-cors";

    /// <summary>The request headers a page sends: the tokens, JSON bodies, a resume, a retried start.</summary>
    public static readonly string[] Headers = ["Authorization", "Content-Type", "Last-Event-ID", "Idempotency-Key"];

    public static readonly string[] Methods = ["GET", "POST", "DELETE"];

    /// <summary>The response headers a page may read: the 429's wait, a created resource.</summary>
    public static readonly string[] ExposedHeaders = ["Retry-After", "Location"];

    /// <summary>The configured origins, normalised (<c>scheme://host[:port]</c>); empty when the option is not set.</summary>
    /// <exception cref="InvalidOperationException">An origin is not an absolute http(s) origin without a path, or is <c>*</c>.</exception>
    public static IReadOnlyList<string> ReadOrigins(IConfiguration configuration)
    {
        var section = configuration.GetSection(ConfigurationKey);
        var values = section.Value is { } list
            ? list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            : section.GetChildren().Select(c => c.Value?.Trim()).Where(v => !string.IsNullOrEmpty(v)).Cast<string>().ToArray();
        return [.. values.Select(Origin).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Adds the policy when origins are configured; returns them (empty: no CORS at all, as before the option).</summary>
    public static IReadOnlyList<string> Add(WebApplicationBuilder builder)
    {
        var origins = ReadOrigins(builder.Configuration);
        builder.Services.AddCors(options =>
        {
            if (origins.Count > 0)
            {
                options.AddPolicy(PolicyName, policy => policy
                    .WithOrigins([.. origins])
                    .WithHeaders(Headers)
                    .WithMethods(Methods)
                    .WithExposedHeaders(ExposedHeaders));
            }
        });
        return origins;
    }

    private static string Origin(string value)
    {
        if (value == "*")
        {
            throw new InvalidOperationException(
                $"{ConfigurationKey} may not be '*': the endpoints take tokens in the Authorization header, so name each origin "
                + "that may call them (for example http://localhost:5173).");
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.AbsolutePath != "/"
            || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            throw new InvalidOperationException(
                $"{ConfigurationKey} holds '{value}', which is not an origin: write each as scheme://host[:port] with http or https "
                + "and no path, such as http://localhost:5173, separated by commas.");
        }

        return uri.GetLeftPart(UriPartial.Authority);
    }
}
