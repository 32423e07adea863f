using System.Text.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Abstractions.Tests;

/// <summary>The public face of the contract's source-generated JSON: the resolver, the options and each type's metadata.</summary>
public sealed class IterationStreamingJsonTests
{
    private static readonly JsonSerializerOptions HostOptions = CreateHostOptions();
    [Fact]
    public void TypeInfoResolver_InHostOptionsConfiguredAsDocumented_WritesTheWireNamesAndOmitsNulls()
    {
        var json = JsonSerializer.Serialize(new IterateGenerationRequest { ParentGenerationId = "p-1" }, HostOptions);

        json.Should().Be("""{"parent_generation_id":"p-1"}""");
    }

    [Fact]
    public void StreamingProgressEvent_RoundTripsAGuideEvent()
    {
        const string Data = """{"generation_id":"g-1","status":"processing","stage":"phase_1_started","progress":0.1,"message":"Core","timestamp":1700000000}""";

        var parsed = JsonSerializer.Deserialize(Data, IterationStreamingJson.StreamingProgressEvent)!;

        parsed.GenerationId.Should().Be("g-1");
        parsed.Stage.Should().Be("phase_1_started");
        JsonSerializer.Serialize(parsed, IterationStreamingJson.StreamingProgressEvent).Should().Contain("\"generation_id\":\"g-1\"");
    }

    [Fact]
    public void Options_AreReadOnly_SoNoCallerChangesTheContractForEveryoneElse()
    {
        var change = () => IterationStreamingJson.Options.PropertyNamingPolicy = null;

        change.Should().Throw<InvalidOperationException>();
    }

    [Theory]
    [InlineData("""{"prompt":1}""")]
    [InlineData("""{"prompt":"x",}""")]
    [InlineData("""{"prompt":"x" /* c */}""")]
    public void StartGenerationRequest_MalformedBodies_AreRefusedByTheStrictSettings(string body)
    {
        var parse = () => JsonSerializer.Deserialize(body, IterationStreamingJson.StartGenerationRequest);

        parse.Should().Throw<JsonException>();
    }

    private static JsonSerializerOptions CreateHostOptions()
    {
        // As the AspNetCore README tells a host to configure its HTTP JSON options.
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        };
        options.TypeInfoResolverChain.Insert(0, IterationStreamingJson.TypeInfoResolver);
        return options;
    }
}
