using System.Security.Claims;
using Iteration.Streaming.AspNetCore.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.AspNetCore.Tests.Security;

/// <summary><c>AddClaimsOwnerResolver</c>: the owner is a claim of the authenticated user, never of an anonymous one.</summary>
public sealed class ClaimsOwnerResolverTests
{
    private static DefaultHttpContext Context(string? authenticationType, params Claim[] claims) =>
        new DefaultHttpContext { User = new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType)) };

    private static async Task<string?> ResolveAsync(HttpContext context, string? claimType = null)
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddClaimsOwnerResolver(claimType);
        await using var provider = services.BuildServiceProvider();
        return await provider.GetRequiredService<IGenerationOwnerResolver>().GetUserIdAsync(context);
    }

    [Fact]
    public async Task GetUserId_SubClaim_IsTheOwner()
    {
        (await ResolveAsync(Context("cookie", new Claim("sub", "alice"), new Claim(ClaimTypes.NameIdentifier, "other")))).Should().Be("alice");
    }

    [Fact]
    public async Task GetUserId_NameIdentifierWithoutSub_IsTheOwner()
    {
        (await ResolveAsync(Context("cookie", new Claim(ClaimTypes.NameIdentifier, "alice")))).Should().Be("alice");
    }

    [Fact]
    public async Task GetUserId_UnauthenticatedIdentityWithASub_IsNobody()
    {
        // An identity no authentication handler vouched for (no authentication type) is anyone's to make up.
        (await ResolveAsync(Context(authenticationType: null, new Claim("sub", "alice")))).Should().BeNull();
    }

    [Fact]
    public async Task GetUserId_Anonymous_IsNobody()
    {
        (await ResolveAsync(new DefaultHttpContext())).Should().BeNull();
    }

    [Fact]
    public async Task GetUserId_EmptyClaimValue_IsNobody()
    {
        (await ResolveAsync(Context("cookie", new Claim("sub", string.Empty)))).Should().BeNull();
    }

    [Fact]
    public async Task GetUserId_ConfiguredClaim_IsTheOwner()
    {
        (await ResolveAsync(Context("bearer", new Claim("sub", "pairwise-1"), new Claim("oid", "alice")), "oid")).Should().Be("alice");
    }

    [Fact]
    public async Task GetUserId_ConfiguredClaimMissing_IsNobodyRatherThanAnotherClaim()
    {
        (await ResolveAsync(Context("bearer", new Claim("sub", "alice")), "oid")).Should().BeNull();
    }

    [Fact]
    public async Task GetUserId_SecondIdentityAuthenticated_IsItsClaim()
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "forged")]));
        principal.AddIdentity(new ClaimsIdentity([new Claim("sub", "alice")], "cookie"));

        (await ResolveAsync(new DefaultHttpContext { User = principal })).Should().Be("alice");
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void AddClaimsOwnerResolver_BlankClaimType_ThrowsNamingIt(string claimType)
    {
        var builder = new ServiceCollection().AddIterationStreaming();

        FluentActions.Invoking(() => builder.AddClaimsOwnerResolver(claimType))
            .Should().Throw<ArgumentException>().Which.ParamName.Should().Be("claimType");
    }

    [Fact]
    public void AddClaimsOwnerResolver_NullBuilder_Throws()
    {
        FluentActions.Invoking(() => ((Iteration.Streaming.Hosting.IIterationStreamingBuilder)null!).AddClaimsOwnerResolver())
            .Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void AddClaimsOwnerResolver_AfterAnotherResolver_ReplacesIt()
    {
        var builder = new ServiceCollection().AddIterationStreaming();

        builder.AddGenerationOwnerResolver(_ => ValueTask.FromResult<string?>("x")).AddClaimsOwnerResolver();

        builder.Services.Where(d => d.ServiceType == typeof(IGenerationOwnerResolver)).Should().ContainSingle()
            .Which.ImplementationInstance.Should().BeOfType<ClaimsOwnerResolver>();
    }
}
