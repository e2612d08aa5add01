//! Conversions between protobuf messages and core types.

use crate::classifier::{Classification, ClassifyOptions};
use crate::model::metrics::EvaluationSummary;
use crate::model::Model;
use crate::page::{ClassifiedArticle, PageOutcome};
use crate::proto;
use crate::text::ArticleText;

pub(super) fn article_text(article: &proto::Article) -> ArticleText<'_> {
    ArticleText {
        kicker: &article.kicker,
        title: &article.title,
        subtitle: &article.subtitle,
        body: &article.body,
    }
}

/// A checked request's article (present: [`super::rpc::Validate`] refuses a
/// request without one) and options.
pub(super) fn classify_request(
    request: proto::ClassifyRequest,
) -> (proto::Article, ClassifyOptions) {
    let options = options(request.explain, request.min_confidence);
    (request.article.unwrap_or_default(), options)
}

pub(super) fn options(explain: bool, min_confidence: Option<f64>) -> ClassifyOptions {
    ClassifyOptions {
        explain,
        min_confidence,
    }
}

/// A classification as the API answers it (its coverage and label reach
/// the metrics through [`super::rpc::Answers`]).
pub(super) fn classify_response(
    id: &str,
    result: Classification,
    model_version: &str,
) -> proto::ClassifyResponse {
    proto::ClassifyResponse {
        id: id.to_owned(),
        label: result.label,
        confidence: result.confidence,
        scores: result
            .scores
            .into_iter()
            .map(|(label, probability)| proto::LabelScore { label, probability })
            .collect(),
        evidence: result
            .evidence
            .into_iter()
            .map(|e| proto::Evidence {
                term: e.term,
                weight: e.weight,
            })
            .collect(),
        model_version: model_version.to_owned(),
        abstained: result.abstain_reason.is_some(),
        abstain_reason: result.abstain_reason.unwrap_or_default(),
        coverage: result.coverage,
    }
}

/// A page's article; its result's `id` is its index on the page.
pub(super) fn page_article(
    index: usize,
    classified: ClassifiedArticle,
    model_version: &str,
) -> proto::PageArticle {
    let ClassifiedArticle { article, outcome } = classified;
    let (result, skipped_reason) = match outcome {
        PageOutcome::Classified(result) => (
            Some(classify_response(&index.to_string(), result, model_version)),
            String::new(),
        ),
        PageOutcome::Skipped(reason) => (None, reason),
    };
    proto::PageArticle {
        title: article.title,
        body: article.body,
        start: article.start as u64,
        end: article.end as u64,
        result,
        skipped_reason,
    }
}

pub(super) fn model_info(model: &Model) -> proto::ModelInfo {
    let meta = model.metadata();
    proto::ModelInfo {
        labels: model.labels().to_vec(),
        vocabulary_size: model.vocabulary_size() as u64,
        version: model.version().to_owned(),
        trained_at: meta.trained_at.clone(),
        training_documents: meta.documents,
        documents_per_label: model
            .labels()
            .iter()
            .cloned()
            .zip(meta.documents_per_label.iter().copied())
            .collect(),
        evaluation: meta.evaluation.as_ref().map(evaluation),
        configuration: meta.configuration.clone(),
        training_coverage: meta.coverage.map_or(0.0, |c| c.mean),
        min_coverage: meta.coverage.map_or(0.0, |c| c.min_coverage),
    }
}

fn evaluation(summary: &EvaluationSummary) -> proto::EvaluationMetrics {
    proto::EvaluationMetrics {
        method: summary.method.clone(),
        documents: summary.documents,
        accuracy: summary.accuracy,
        macro_f1: summary.macro_f1,
        expected_calibration_error: summary.expected_calibration_error,
        per_label: summary
            .per_label
            .iter()
            .map(|m| proto::LabelMetrics {
                label: m.label.clone(),
                precision: m.precision,
                recall: m.recall,
                f1: m.f1,
                support: m.support,
            })
            .collect(),
    }
}
