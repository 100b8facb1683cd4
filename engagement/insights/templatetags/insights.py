from django import template

from engagement.insights.charts import rate_cell

register = template.Library()
register.filter("percent", rate_cell)
