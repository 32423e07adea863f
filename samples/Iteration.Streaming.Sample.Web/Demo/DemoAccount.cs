namespace Iteration.Streaming.Sample.Web.Demo;

/// <summary>Who is signed in (<c>name</c> null when nobody is); <c>demo</c> is always true: a name typed on the page, not an authenticated identity.</summary>
internal sealed record DemoAccount(string? Name, bool Demo);
