using System.ComponentModel.DataAnnotations;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NarrativeMonitor.Classification.Claims;
using NarrativeMonitor.Classifier;
using NarrativeMonitor.ServiceDefaults;

namespace NarrativeMonitor.Classification;

/// <summary>Which <see cref="IStanceClassifier"/> the service uses.</summary>
public enum ClassifierKind
{
    /// <summary><see cref="RuleBasedStanceClassifier"/>: term overlap and cue phrases.</summary>
    Rules,
}

public sealed class ClassificationOptions
{
    public const string SectionName = "Classification";

    [EnumDataType(typeof(ClassifierKind))]
    public ClassifierKind Classifier { get; set; } = ClassifierKind.Rules;
}

public static class ClassificationServiceExtensions
{
    /// <summary>Options, the classifier selected by Classification:Classifier, the claim store and the active-claims cache.</summary>
    public static IHostApplicationBuilder AddClassificationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ClassificationOptions>()
            .BindConfiguration(ClassificationOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var options = builder.Configuration.GetSection(ClassificationOptions.SectionName).Get<ClassificationOptions>() ?? new ClassificationOptions();

        builder.Services.TryAddSingleton(TimeProvider.System);
        switch (options.Classifier)
        {
            case ClassifierKind.Rules:
                builder.Services.AddSingleton<IStanceClassifier, RuleBasedStanceClassifier>();
                break;
            default:
                throw new InvalidOperationException($"{ClassificationOptions.SectionName}:Classifier: unknown classifier '{options.Classifier}'");
        }

        builder.AddStore<IClaimStore, InMemoryClaimStore, RedisClaimStore>();
        builder.Services.AddSingleton<ActiveClaims>();
        return builder;
    }

    public static IBusRegistrationConfigurator AddClassificationConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ArticleIngestedConsumer, ArticleIngestedConsumerDefinition>();
        return bus;
    }

    public static IEndpointRouteBuilder MapClassificationEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<ClassificationGrpcService>();
        return app;
    }
}
