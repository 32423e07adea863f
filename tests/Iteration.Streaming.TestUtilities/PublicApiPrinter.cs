using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Iteration.Streaming.TestUtilities;

/// <summary>
/// Prints an assembly's public surface as stable text, one member a line, for approval tests:
/// a change to the public API shows up as a diff of the approved file.
/// </summary>
public static class PublicApiPrinter
{
    private static readonly NullabilityInfoContext Nullability = new();

    public static string Print(Assembly assembly)
    {
        var builder = new StringBuilder();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            builder.Append(TypeHeader(type)).Append('\n');
            foreach (var line in Members(type).Order(StringComparer.Ordinal))
            {
                builder.Append("  ").Append(line).Append('\n');
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// Compares the printed API with the approved file; when they differ, writes a <c>.received.txt</c> beside it
    /// (or overwrites the approved file when <c>UPDATE_PUBLIC_API=1</c>) and returns the message to fail with.
    /// </summary>
    public static string? Verify(Assembly assembly, string approvedPath)
    {
        var actual = Print(assembly);
        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : string.Empty;
        if (string.Equals(actual, approved, StringComparison.Ordinal))
        {
            return null;
        }

        if (Environment.GetEnvironmentVariable("UPDATE_PUBLIC_API") == "1")
        {
            File.WriteAllText(approvedPath, actual);
            return null;
        }

        var received = Path.ChangeExtension(approvedPath, ".received.txt");
        File.WriteAllText(received, actual);
        return $"The public API of {assembly.GetName().Name} changed. Review {received}; to accept it run the tests with UPDATE_PUBLIC_API=1.";
    }

    private static string TypeHeader(Type type)
    {
        var kind = type.IsInterface ? "interface"
            : type.IsEnum ? "enum"
            : type.IsValueType ? "struct"
            : typeof(Delegate).IsAssignableFrom(type) ? "delegate"
            : type.GetMethod("<Clone>$") is not null ? "record"
            : "class";
        var modifiers = type.IsAbstract && type.IsSealed ? "static "
            : type.IsInterface ? string.Empty
            : type.IsAbstract ? "abstract "
            : type.IsSealed && !type.IsValueType ? "sealed "
            : string.Empty;
        var bases = new List<string>();
        if (type.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(ValueType) && baseType != typeof(Enum))
        {
            bases.Add(Name(baseType));
        }

        var inherited = type.BaseType?.GetInterfaces() ?? [];
        bases.AddRange(type.GetInterfaces().Where(i => !inherited.Contains(i)).Select(Name).Order(StringComparer.Ordinal));
        var suffix = bases.Count == 0 ? string.Empty : " : " + string.Join(", ", bases);
        return $"public {modifiers}{kind} {Name(type)}{suffix}";
    }

    private static IEnumerable<string> Members(Type type)
    {
        const BindingFlags flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        if (type.IsEnum)
        {
            foreach (var name in Enum.GetNames(type))
            {
                yield return name;
            }

            yield break;
        }

        foreach (var member in type.GetMembers(flags))
        {
            if (member.IsDefined(typeof(CompilerGeneratedAttribute)) || member.Name.Contains('<', StringComparison.Ordinal))
            {
                continue;
            }

            var line = member switch
            {
                ConstructorInfo c when Visible(c) && !c.IsStatic => $"{Access(c)}ctor({Parameters(c)})",
                MethodInfo m when Visible(m) && !m.IsSpecialName || m.Name.StartsWith("op_", StringComparison.Ordinal) && m.IsPublic =>
                    $"{Access(m)}{Modifiers(m)}{Name(m.ReturnType, Nullability.Create(m.ReturnParameter))} {m.Name}{GenericArguments(m)}({Parameters(m)})",
                PropertyInfo p when Accessors(p) is { Length: > 0 } accessors =>
                    $"{Modifiers(p.GetMethod ?? p.SetMethod!)}{Name(p.PropertyType, Nullability.Create(p))} {p.Name} {{ {accessors} }}",
                FieldInfo f when f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly =>
                    $"{(f.IsLiteral ? "const " : f.IsStatic ? "static " : string.Empty)}{(f.IsInitOnly ? "readonly " : string.Empty)}{Name(f.FieldType, Nullability.Create(f))} {f.Name}{(f.IsLiteral ? " = " + f.GetRawConstantValue() : string.Empty)}",
                EventInfo e when e.AddMethod is { } add && Visible(add) => $"event {Name(e.EventHandlerType!)} {e.Name}",
                Type nested when nested.IsNestedPublic => $"nested {Name(nested)}",
                _ => null,
            };

            if (line is not null)
            {
                yield return line;
            }
        }
    }

    private static bool Visible(MethodBase method) => method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly;

    private static string Access(MethodBase method) => method.IsPublic ? string.Empty : "protected ";

    private static string Modifiers(MethodInfo method) =>
        method.IsStatic ? "static "
        : method.DeclaringType!.IsInterface ? string.Empty
        : method.IsAbstract ? "abstract "
        : method.IsVirtual && method.GetBaseDefinition() != method ? "override "
        : method.IsVirtual && !method.IsFinal ? "virtual "
        : string.Empty;

    private static string Accessors(PropertyInfo property)
    {
        var parts = new List<string>();
        if (property.GetMethod is { } get && Visible(get))
        {
            parts.Add(Access(get) + "get;");
        }

        if (property.SetMethod is { } set && Visible(set))
        {
            var init = set.ReturnParameter.GetRequiredCustomModifiers().Any(m => m == typeof(IsExternalInit));
            parts.Add(Access(set) + (init ? "init;" : "set;"));
        }

        return string.Join(' ', parts);
    }

    private static string GenericArguments(MethodInfo method) =>
        method.IsGenericMethodDefinition ? "<" + string.Join(", ", method.GetGenericArguments().Select(a => a.Name)) + ">" : string.Empty;

    private static string Parameters(MethodBase method) =>
        string.Join(", ", method.GetParameters().Select(p =>
        {
            var prefix = p.IsOut ? "out " : p.ParameterType.IsByRef ? (p.IsIn ? "in " : "ref ") : string.Empty;
            var type = p.ParameterType.IsByRef ? p.ParameterType.GetElementType()! : p.ParameterType;
            var defaultValue = p.HasDefaultValue ? " = " + (p.DefaultValue ?? (type.IsValueType ? "default" : "null")) : string.Empty;
            return $"{prefix}{Name(type, Nullability.Create(p))} {p.Name}{defaultValue}";
        }));

    private static string Name(Type type) => Name(type, null);

    private static string Name(Type type, NullabilityInfo? nullability)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return Name(underlying) + "?";
        }

        var nullable = nullability is { ReadState: NullabilityState.Nullable } && !type.IsValueType ? "?" : string.Empty;
        if (type.IsArray)
        {
            return Name(type.GetElementType()!, nullability?.ElementType) + "[]" + nullable;
        }

        if (type.IsGenericParameter)
        {
            return type.Name + nullable;
        }

        var name = type.IsNested ? Name(type.DeclaringType!) + "." + type.Name : type.FullName ?? type.Name;
        if (!type.IsGenericType)
        {
            return name + nullable;
        }

        var tick = name.IndexOf('`', StringComparison.Ordinal);
        var arguments = type.GetGenericArguments()
            .Select((a, i) => Name(a, nullability is not null && i < nullability.GenericTypeArguments.Length ? nullability.GenericTypeArguments[i] : null));
        return (tick < 0 ? name : name[..tick]) + "<" + string.Join(", ", arguments) + ">" + nullable;
    }
}
