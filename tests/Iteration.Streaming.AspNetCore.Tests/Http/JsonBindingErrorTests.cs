using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Iteration.Streaming.AspNetCore.Tests.Http;

/// <summary>
/// Every field of every request body with the wrong JSON type, null, and malformed JSON: the 400 names the field by its
/// JSON path and the JSON type expected (and found), never a .NET type.
/// </summary>
public sealed class JsonBindingErrorTests : IAsyncLifetime
{
    private KestrelTestHost _host = null!;
    private HttpClient _client = null!;
    private Iteration.Streaming.Contracts.GenerationStartedResponse _parent = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync();
        _client = _host.CreateClient();
        _parent = await _host.StartGenerationAsync(_client);
        using var stream = await _client.GetStreamAsync(_parent.GenerationId, _parent.SseToken);
        await stream.ReadAllEventsAsync().WithPatience();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<string> RefusedAsync(string path, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path.Replace("PARENT", _parent.GenerationId, StringComparison.Ordinal))
        {
            Content = new StringContent(body.Replace("PARENT", _parent.GenerationId, StringComparison.Ordinal), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _parent.ControlToken);
        using var response = await _client.SendAsync(request);
        var detail = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        detail.Should().NotContain("System.").And.NotContain("Iteration.Streaming").And.NotContain("`1");
        return detail;
    }

    public static TheoryData<string, string, string> WrongTypes => new()
    {
        { "generations", "{\"prompt\":5}", "'prompt' must be a JSON string, not a number." },
        { "generations", "{\"prompt\":true}", "'prompt' must be a JSON string, not true or false." },
        { "generations", "{\"prompt\":[\"a\"]}", "'prompt' must be a JSON string, not an array." },
        { "generations", "{\"prompt\":{\"nested\":true}}", "'prompt' must be a JSON string, not an object." },
        { "generations", "{\"prompt\":\"x\",\"entities\":\"A\"}", "'entities' must be a JSON array of strings, not a string." },
        { "generations", "{\"prompt\":\"x\",\"entities\":7}", "'entities' must be a JSON array of strings, not a number." },
        { "generations", "{\"prompt\":\"x\",\"entities\":{\"a\":1}}", "'entities' must be a JSON array of strings, not an object." },
        { "generations", "{\"prompt\":\"x\",\"entities\":[\"A\",2]}", "'entities[1]' must be a JSON string, not a number." },
        { "generations", "{\"prompt\":\"x\",\"entities\":[[\"A\"]]}", "'entities[0]' must be a JSON string, not an array." },
        { "generations/iterate", "{\"parent_generation_id\":5,\"modification_prompt\":\"x\"}", "'parent_generation_id' must be a JSON string, not a number." },
        { "generations/iterate", "{\"parent_generation_id\":[\"PARENT\"],\"modification_prompt\":\"x\"}", "'parent_generation_id' must be a JSON string, not an array." },
        { "generations/iterate", "{\"parent_generation_id\":\"PARENT\",\"modification_prompt\":false}", "'modification_prompt' must be a JSON string, not true or false." },
        { "generations/iterate", "{\"parent_generation_id\":\"PARENT\",\"modification_prompt\":{}}", "'modification_prompt' must be a JSON string, not an object." },
        { "generations", "{\"prompt\":\"x\",\"budget\":\"lots\"}", "'budget' must be a JSON object, not a string." },
        { "generations", "{\"prompt\":\"x\",\"budget\":2000}", "'budget' must be a JSON object, not a number." },
        { "generations", "{\"prompt\":\"x\",\"budget\":{\"max_output_tokens\":\"2000\"}}", "'budget.max_output_tokens' must be a JSON integer, not a string." },
        { "generations", "{\"prompt\":\"x\",\"budget\":{\"max_output_tokens\":1.5}}", "'budget.max_output_tokens' must be a whole number (a JSON integer) of at most 9223372036854775807." },
        { "generations", "{\"prompt\":\"x\",\"budget\":{\"max_total_tokens\":1e30}}", "'budget.max_total_tokens' must be a whole number (a JSON integer) of at most 9223372036854775807." },
        { "generations", "{\"prompt\":\"x\",\"budget\":{\"max_total_tokens\":99999999999999999999}}", "'budget.max_total_tokens' must be a whole number (a JSON integer) of at most 9223372036854775807." },
        { "generations/iterate", "{\"parent_generation_id\":\"PARENT\",\"modification_prompt\":\"x\",\"budget\":{\"max_total_tokens\":true}}", "'budget.max_total_tokens' must be a JSON integer, not true or false." },
        { "generations/PARENT/retry", "{\"budget\":{\"max_output_tokens\":[1]}}", "'budget.max_output_tokens' must be a JSON integer, not an array." },
        { "generations/PARENT/retry", "{\"budget\":[]}", "'budget' must be a JSON object, not an array." },
        { "generations", "[]", "The request body must be a JSON object, not an array." },
        { "generations", "\"prompt\"", "The request body must be a JSON object, not a string." },
        { "generations/iterate", "42", "The request body must be a JSON object, not a number." },
    };

    [Theory]
    [MemberData(nameof(WrongTypes))]
    public async Task Post_FieldOfTheWrongJsonType_Answers400NamingTheFieldAndTheJsonType(string path, string body, string expected)
    {
        (await RefusedAsync(path, body)).Should().Be(expected);
    }

    public static TheoryData<string, string, string> Nulls => new()
    {
        { "generations", "{\"prompt\":null}", "'prompt' is required." },
        { "generations", "{\"prompt\":\"x\",\"entities\":[null]}", "'entities[0]'" },
        { "generations/iterate", "{\"parent_generation_id\":null,\"modification_prompt\":\"x\"}", "'parent_generation_id' is required." },
        { "generations/iterate", "{\"parent_generation_id\":\"PARENT\",\"modification_prompt\":null}", "'modification_prompt' is required." },
        { "generations", "null", "not null" },
        { "generations/iterate", "null", "not null" },
    };

    [Theory]
    [MemberData(nameof(Nulls))]
    public async Task Post_RequiredFieldNull_Answers400NamingTheField(string path, string body, string expected)
    {
        (await RefusedAsync(path, body)).Should().Contain(expected);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "generations", "{" },
        { "generations", "{\"prompt\":" },
        { "generations", "{\"prompt\":\"x\"} trailing" },
        { "generations", "{\"prompt\":\"x\",}" },
        { "generations", "{'prompt':'x'}" },
        { "generations", "{\"prompt\":\"x\" /* comment */}" },
        { "generations", "{\"prompt\":\"x\",\"entities\":[\"A\",]}" },
        { "generations/iterate", "{\"parent_generation_id\":\"PARENT\"" },
        { "generations/iterate", "{parent_generation_id:\"PARENT\"}" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task Post_MalformedJson_Answers400SayingWhereItBroke(string path, string body)
    {
        (await RefusedAsync(path, body)).Should().StartWith("The request body is not valid JSON at line 1, byte ");
    }

    [Fact]
    public async Task Post_EntitiesAsAString_NeverNamesADotNetType()
    {
        var detail = await RefusedAsync("generations", "{\"prompt\":\"x\",\"entities\":\"A\"}");

        detail.Should().NotContain("IReadOnlyList").And.Contain("'entities'");
    }
}
