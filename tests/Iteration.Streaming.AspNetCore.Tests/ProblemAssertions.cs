using System.Net;
using System.Text.Json;

namespace Iteration.Streaming.AspNetCore.Tests;

/// <summary>Checks that a response is an RFC 9457 Problem Details answer with a useful detail.</summary>
internal static class ProblemAssertions
{
    public static async Task<string> ShouldBeProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(status, body);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        using var json = JsonDocument.Parse(body);
        json.RootElement.GetProperty("status").GetInt32().Should().Be((int)status);
        var detail = json.RootElement.GetProperty("detail").GetString();
        detail.Should().NotBeNullOrWhiteSpace();
        return detail!;
    }
}
