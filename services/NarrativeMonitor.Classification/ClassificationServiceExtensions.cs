using System.ComponentModel.DataAnnotations;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NarrativeMonitor.Classification.Claims;
using NarrativeMonitor.Classifier;
using NarrativeMonitor.ServiceDefaults;
using NarrativeMonitor.StanceModel;

namespace NarrativeMonitor.Classification;

/// <summary>Which <see cref="IStanceClassifier"/> the service uses.</summary>
public enum ClassifierKind
{
    /// <summary><see cref="RuleBasedStanceClassifier"/>: term overlap and cue phrases; the first classifier, kept as a fallback.</summary>
    Rules,

    /// <summary>
    /// The default: <see cref="TrainedStanceClassifier"/> (LightGBM trained on FNC-1, then a domain stage trained on our
    /// hand-labelled corpora; both shipped in the repo) for English articles; the rules for other languages, which the
    /// models were not trained on.
    /// </summary>
    Model,
}

public sealed class ClassificationOptions
{
    public const string SectionName = "Classification";

    public const ClassifierKind DefaultClassifier = ClassifierKind.Model;

    [EnumDataType(typeof(ClassifierKind))]
    public ClassifierKind Classifier { get; set; } = DefaultClassifier;
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
        builder.Services.AddSingleton(_ => CreateClassifier(options.Classifier));

        builder.AddStore<IClaimStore, InMemoryClaimStore, RedisClaimStore>();
        builder.Services.AddSingleton<ActiveClaims>();
        builder.Services.AddSingleton<ArticleStanceClassifier>();
        return builder;
    }

    public static IStanceClassifier CreateClassifier(ClassifierKind kind) => kind switch
    {
        ClassifierKind.Rules => new RuleBasedStanceClassifier(),
        ClassifierKind.Model => new LanguageRoutingClassifier("en", new TrainedStanceClassifier(), new RuleBasedStanceClassifier()),
        _ => throw new InvalidOperationException($"{ClassificationOptions.SectionName}:Classifier: unknown classifier '{kind}'"),
    };

    public static IBusRegistrationConfigurator AddClassificationConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ArticleIngestedConsumer, ArticleIngestedConsumerDefinition>();
        bus.AddConsumer<ArticleBatchIngestedConsumer, ArticleBatchIngestedConsumerDefinition>();
        return bus;
    }

    public static IEndpointRouteBuilder MapClassificationEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<ClassificationGrpcService>();
        return app;
    }
}
