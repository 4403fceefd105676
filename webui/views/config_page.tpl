% rebase('base.tpl')
<h1>{{_('page.config')}} · {{_('cfgpage.' + name, name)}}</h1>
<p><a href="/config">← {{_('config.all_pages')}}</a></p>
% if errors or general:
<div class="alarm" role="alert" id="form-errors">
<p>{{_('config.not_saved')}}</p>
<ul>
% for g in general:
<li>{{g}}</li>
% end
% for path in unmatched:
<li><code>{{path}}</code>: {{errors[path]}}</li>
% end
</ul>
</div>
% end
<form method="post" action="/config/{{name}}" class="config" id="config-form">
<input type="hidden" name="csrf" value="{{csrf}}">
% for w in widgets:
% include('field.tpl', w=w)
% end
<button type="submit" id="config-save">{{_('button.save_apply')}}</button>
</form>
