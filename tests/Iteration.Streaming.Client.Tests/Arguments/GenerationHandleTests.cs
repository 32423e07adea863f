using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Client.Tests.Arguments;

public sealed class GenerationHandleTests
{
    public static TheoryData<string?> HostileIds =>
    [
        null,
        string.Empty,
        " ",
        "..",
        ".",
        "../archive",
        "a/b",
        "a\\b",
        "a b",
        "a%2Fb",
        "a?b",
        "a#b",
        "id\0",
        "id\r\nX-Evil: 1",
        "ü",
        new string('a', 129),
    ];

    public static TheoryData<string?> HostileTokens =>
    [
        null,
        string.Empty,
        "a b",
        "a\r\nX-Evil: 1",
        "a\tb",
        "tok\0en",
        "tökén",
        "\u007f",
    ];

    [Fact]
    public void Constructor_ValidIdAndToken_KeepsThem()
    {
        var id = Guid.NewGuid().ToString();

        var handle = new GenerationHandle(id, "abc.DEF-_~+/=");

        handle.GenerationId.Should().Be(id);
        handle.Token.Should().Be("abc.DEF-_~+/=");
        handle.StreamUrl.Should().BeNull();
    }

    [Fact]
    public void Constructor_LongestValidId_IsAccepted()
    {
        var act = () => new GenerationHandle(new string('a', 128), "t");

        act.Should().NotThrow();
    }

    [Theory]
    [MemberData(nameof(HostileIds))]
    public void Constructor_HostileId_ThrowsArgumentException(string? id)
    {
        var act = () => new GenerationHandle(id!, "token");

        act.Should().Throw<ArgumentException>().WithParameterName("generationId");
    }

    [Theory]
    [MemberData(nameof(HostileTokens))]
    public void Constructor_HostileToken_ThrowsArgumentException(string? token)
    {
        var act = () => new GenerationHandle(Guid.NewGuid().ToString(), token!);

        act.Should().Throw<ArgumentException>().WithParameterName(nameof(token));
    }

    [Theory]
    [MemberData(nameof(HostileTokens))]
    public void ControlToken_Hostile_ThrowsArgumentException(string? token)
    {
        if (token is null)
        {
            return;
        }

        var act = () => new GenerationHandle(Guid.NewGuid().ToString(), "token") { ControlToken = token };

        act.Should().Throw<ArgumentException>().WithParameterName(nameof(GenerationHandle.ControlToken));
    }

    [Fact]
    public void ControlToken_Null_MeansUnknown()
    {
        var handle = new GenerationHandle(Guid.NewGuid().ToString(), "token") { ControlToken = null };

        handle.ControlToken.Should().BeNull();
    }

    [Fact]
    public void FromResponse_CopiesIdTokensRetryOfAndUrls()
    {
        var id = Guid.NewGuid().ToString();
        var retried = Guid.NewGuid().ToString();

        var handle = GenerationHandle.FromResponse(new GenerationStartedResponse
        {
            GenerationId = id,
            SseToken = "token",
            ControlToken = "control",
            RetryOf = retried,
            StreamUrl = $"/generations/{id}/stream",
            StatusUrl = $"/generations/{id}",
        });

        handle.Should().Be(new GenerationHandle(id, "token")
        {
            ControlToken = "control",
            RetryOf = retried,
            StreamUrl = $"/generations/{id}/stream",
            StatusUrl = $"/generations/{id}",
        });
    }

    [Fact]
    public void FromResponse_WithAHostileControlToken_ThrowsArgumentException()
    {
        var act = () => GenerationHandle.FromResponse(new GenerationStartedResponse
        {
            GenerationId = Guid.NewGuid().ToString(),
            SseToken = "token",
            ControlToken = "a\r\nX-Evil: 1",
            StreamUrl = "/s",
            StatusUrl = "/s",
        });

        act.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void FromResponse_Null_ThrowsArgumentNullException()
    {
        var act = () => GenerationHandle.FromResponse(null!);

        act.Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void FromResponse_WithBudget_KeepsIt()
    {
        var response = new GenerationStartedResponse
        {
            GenerationId = "g-1",
            SseToken = "read",
            StreamUrl = "/generations/g-1/stream",
            StatusUrl = "/generations/g-1",
            Budget = new GenerationBudget { MaxTotalTokens = 10_000 },
        };

        GenerationHandle.FromResponse(response).Budget.Should().Be(new GenerationBudget { MaxTotalTokens = 10_000 });
    }

    [Fact]
    public void ForOwner_ValidId_HasNoTokens()
    {
        var handle = GenerationHandle.ForOwner("g-1");

        handle.GenerationId.Should().Be("g-1");
        handle.ReadsByOwnership.Should().BeTrue();
        handle.Token.Should().BeEmpty();
        handle.ControlToken.Should().BeNull();
        handle.Should().NotBe(new GenerationHandle("g-1", "owner"));
    }

    [Theory]
    [MemberData(nameof(HostileIds))]
    public void ForOwner_HostileId_ThrowsArgumentException(string? id)
    {
        var act = () => GenerationHandle.ForOwner(id!);

        act.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void ToString_DoesNotShowTheToken()
    {
        var handle = new GenerationHandle(Guid.NewGuid().ToString(), "secret-token") { ControlToken = "secret-control" };

        handle.ToString().Should().Contain(handle.GenerationId).And.NotContain("secret-token").And.NotContain("secret-control");
    }
}
