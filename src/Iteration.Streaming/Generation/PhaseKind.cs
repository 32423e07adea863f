namespace Iteration.Streaming.Generation;

/// <summary>
/// What a planned phase produces; the default plan uses the first four in this order.
/// </summary>
public enum PhaseKind
{
    /// <summary>A phase of the host's own planner.</summary>
    Custom = 0,

    /// <summary>Configuration, database setup, shared code ("Core Infrastructure").</summary>
    CoreInfrastructure = 1,

    /// <summary>The files of one entity, such as "User Entity".</summary>
    Entity = 2,

    /// <summary>Tests, documentation and other supporting files ("Support Files").</summary>
    SupportFiles = 3,

    /// <summary>The application's entry point ("Main Application").</summary>
    MainApplication = 4,
}
